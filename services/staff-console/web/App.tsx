import type { ComponentType } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Nav } from './components/Nav.js';
import { DeadLettersPage } from './pages/DeadLettersPage.js';
import { DeploysPage } from './pages/DeploysPage.js';
import { NamespacesPage } from './pages/NamespacesPage.js';
import { NotFound, NotSignedIn, SessionError } from './pages/Other.js';
import { RunPage } from './pages/run/RunPage.js';
import { RunsPage } from './pages/runs/RunsPage.js';
import { SlotsPage } from './pages/SlotsPage.js';
import { match, route } from './router.js';
import { sessionState } from './session.js';

const PAGES: readonly [string, ComponentType][] = [
  ['/', RunsPage],
  ['/slots', SlotsPage],
  ['/namespaces', NamespacesPage],
  ['/deploys', DeploysPage],
  ['/dead-letters', DeadLettersPage],
];

function Page({ path }: { path: string }) {
  const run = match('/runs/:id', path);
  if (run) return <RunPage key={run.id} id={run.id!} />;
  const Found = PAGES.find(([pattern]) => match(pattern, path))?.[1] ?? NotFound;
  return <Found />;
}

/** Moves focus to the new page's <main> after a client-side navigation (not on the first load). */
function useFocusOnNavigate(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
}

export function App() {
  const state = sessionState.value;
  const path = route.value.path;
  useFocusOnNavigate(path);
  switch (state.kind) {
    case 'loading':
      return (
        <main id="main" class="page" aria-busy="true">
          <p class="muted">Loading…</p>
        </main>
      );
    case 'signed-out':
      return <NotSignedIn />;
    case 'error':
      return <SessionError message={state.message} />;
    case 'ok':
      return (
        <>
          <Nav session={state.session} />
          <Page path={path} />
        </>
      );
  }
}
