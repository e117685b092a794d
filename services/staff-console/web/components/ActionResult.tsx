import { useState } from 'preact/hooks';
import { messageOf } from '../api.js';

/** What a list page's action came to: `working` while the request is out, `pending` when the service has not answered. */
export interface ActionOutcome {
  kind: 'working' | 'ok' | 'pending' | 'error';
  text: string;
}

export interface ListAction {
  busy: boolean;
  result: ActionOutcome | null;
  /** Runs one action (the others wait), shows what it came to, then calls `after` (a refresh of the list). */
  perform: <R>(working: string, call: () => Promise<R>, outcome: (res: R) => ActionOutcome, after: () => void) => void;
}

/** One action at a time for a list page's rows; a refused request shows the server's error text. */
export function useListAction(): ListAction {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionOutcome | null>(null);
  const perform: ListAction['perform'] = (working, call, outcome, after) => {
    setBusy(true);
    setResult({ kind: 'working', text: working });
    const done = (o: ActionOutcome): void => {
      setResult(o);
      setBusy(false);
      after();
    };
    void call().then(
      (res) => done(outcome(res)),
      (err: unknown) => done({ kind: 'error', text: messageOf(err) }),
    );
  };
  return { busy, result, perform };
}

/** The announced result line above a list (its height is kept while empty, so the table never moves). */
export function ActionResult({ result }: { result: ActionOutcome | null }) {
  return (
    <p data-testid="action-result" class={`result list-result${result ? ` ${result.kind}` : ''}`} aria-live="polite">
      {result?.text}
    </p>
  );
}
