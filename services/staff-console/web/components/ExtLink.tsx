import type { ComponentChildren } from 'preact';

/** A link that opens another site in a new tab. */
export function ExtLink({ href, children, testId }: { href: string; children: ComponentChildren; testId?: string }) {
  return (
    <a href={href} target="_blank" rel="noopener" data-testid={testId} class="ext">
      {children}
    </a>
  );
}
