import { useTitle } from '../hooks.js';
import { loadSession } from '../session.js';

/** What a 401 from the session shows. */
export function NotSignedIn() {
  useTitle('Not signed in');
  return (
    <main id="main" tabIndex={-1} class="page narrow">
      <h1>Not signed in</h1>
      <p>
        Not signed in: open the login link printed by <code>npm run dev</code>, or sign in through the proxy.
      </p>
      <button type="button" onClick={loadSession}>
        Try again
      </button>
    </main>
  );
}

export function SessionError({ message }: { message: string }) {
  useTitle('Error');
  return (
    <main id="main" tabIndex={-1} class="page narrow">
      <h1>The console cannot start</h1>
      <p class="note error" role="alert">
        {message}
      </p>
      <button type="button" onClick={loadSession}>
        Try again
      </button>
    </main>
  );
}

export function NotFound() {
  useTitle('Not found');
  return (
    <main id="main" tabIndex={-1} class="page narrow">
      <h1>Not found</h1>
      <p>
        No page here. <a href="/">Back to the runs</a>
      </p>
    </main>
  );
}
