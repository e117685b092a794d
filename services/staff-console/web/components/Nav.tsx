import { useState } from 'preact/hooks';
import { messageOf } from '../api.js';
import { route } from '../router.js';
import { logout } from '../session.js';
import { streamState } from '../sse.js';
import type { SessionResponse } from '../types.js';

const LINKS: readonly [string, string][] = [
  ['/', 'Runs'],
  ['/slots', 'Slots'],
  ['/namespaces', 'Namespaces'],
  ['/deploys', 'Deploys'],
  ['/dead-letters', 'Dead letters'],
];

const STREAM_TEXT = { off: '', connecting: 'connecting…', live: 'live', retrying: 'reconnecting…' } as const;

const isCurrent = (href: string, path: string): boolean => (href === '/' ? path === '/' || path.startsWith('/runs/') : path.startsWith(href));

export function Nav({ session }: { session: SessionResponse }) {
  const path = route.value.path;
  const stream = streamState.value;
  const [error, setError] = useState('');
  const signOut = (): void => void logout().catch((err: unknown) => setError(messageOf(err)));
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        codex-k8s <span>staff</span>
      </a>
      <nav aria-label="Pages">
        <ul>
          {LINKS.map(([href, text]) => (
            <li key={href}>
              <a href={href} aria-current={isCurrent(href, path) ? 'page' : undefined}>
                {text}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="who">
        <span class="stream" data-stream={stream} title="Live updates">
          {STREAM_TEXT[stream]}
        </span>
        <span class="login" data-testid="login" title={session.platform_admin ? 'platform admin' : undefined}>
          {session.login}
        </span>
        <button type="button" class="link-button" onClick={signOut}>
          Sign out
        </button>
        {error ? (
          <span class="reason" role="alert">
            {error}
          </span>
        ) : null}
      </div>
    </header>
  );
}
