import { useState } from 'preact/hooks';
import { api, messageOf } from '../../api.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { canActIn, currentSession } from '../../session.js';
import type { ActionResponse, RunDetails } from '../../types.js';

interface ActionDef {
  name: 'cancel' | 'delete-namespace';
  key: keyof RunDetails['actions'];
  label: string;
  question: string;
  explain: (run: RunDetails) => string;
  call: (id: string, csrf: string) => Promise<ActionResponse>;
}

const ACTIONS: readonly ActionDef[] = [
  {
    name: 'cancel',
    key: 'cancel',
    label: 'Cancel run',
    question: 'Cancel this run?',
    explain: (r) => `The agent's Job${r.job_name ? ` ${r.job_name}` : ''} is deleted and the run ends as canceled.`,
    call: api.cancel,
  },
  {
    name: 'delete-namespace',
    key: 'delete_namespace',
    label: 'Delete namespace',
    question: 'Delete the namespace?',
    explain: (r) => `Namespace ${r.namespace ?? ''} and everything running in it is deleted.`,
    call: api.deleteNamespace,
  },
];

function outcomeText(res: ActionResponse): string {
  const ns = res.namespace ?? 'the namespace';
  switch (res.outcome) {
    case 'canceled':
      return 'Run canceled.';
    case 'deleted':
      return `Namespace ${ns} deleted.`;
    case 'already_deleted':
      return `Namespace already deleted (${ns}).`;
    case 'pending':
      return 'Requested: waiting for the service to confirm.';
  }
}

/** Cancel and delete-namespace, each confirmed in a dialog; nothing at all for a member who may not act. */
export function Actions({ run, onDone }: { run: RunDetails; onDone: () => void }) {
  const session = currentSession();
  const [asking, setAsking] = useState<ActionDef | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  if (!canActIn(session, run.project.slug)) return null;

  const perform = (action: ActionDef): void => {
    setBusy(true);
    setResult(null);
    const done = (ok: boolean, text: string): void => {
      setResult({ ok, text });
      setBusy(false);
      onDone();
    };
    void action.call(run.id, session.csrf_token).then(
      (res) => done(true, outcomeText(res)),
      (err: unknown) => done(false, messageOf(err)),
    );
  };
  return (
    <div class="run-actions">
      {ACTIONS.map((a) => {
        const { allowed, reason } = run.actions[a.key];
        return (
          <div class="action" key={a.name}>
            <button type="button" class="danger" data-action={a.name} disabled={!allowed || busy} title={allowed ? undefined : (reason ?? undefined)} onClick={() => setAsking(a)}>
              {a.label}
            </button>
            {!allowed && reason ? <span class="reason">{reason}</span> : null}
          </div>
        );
      })}
      <p data-testid="action-result" class={result ? (result.ok ? 'result ok' : 'result error') : 'result'} aria-live="polite">
        {result?.text}
      </p>
      <ConfirmDialog open={asking !== null} title={asking?.question ?? ''} confirmLabel={asking?.label ?? ''} onConfirm={() => asking && perform(asking)} onClose={() => setAsking(null)}>
        <p>{asking?.explain(run)}</p>
      </ConfirmDialog>
    </div>
  );
}
