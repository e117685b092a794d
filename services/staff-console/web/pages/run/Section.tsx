import type { ComponentChildren } from 'preact';

/** A titled part of the run page (`id` is its stable anchor). */
export function Section({ id, title, extra, children }: { id: string; title: string; extra?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section id={id} class="card" aria-labelledby={`${id}-title`}>
      <div class="card-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {extra}
      </div>
      {children}
    </section>
  );
}
