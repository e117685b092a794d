import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { ActionResult, useListAction, type ActionOutcome } from '../components/ActionResult.js';
import { Mono, StateChip, StatusChip } from '../components/Chip.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ExtLink } from '../components/ExtLink.js';
import { Empty } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { shortId } from '../format.js';
import { useInterval } from '../hooks.js';
import { canActIn, currentSession } from '../session.js';
import type { RedeployResponse, SlotView } from '../types.js';
import { Dash, ListPage, projectParam, Table } from './ListPage.js';

const HEAD = ['Slot', 'State', 'Lease', 'Namespace', 'URL', 'Last run', 'Commit', 'Fingerprint', 'Deploy', 'Last redeploy'];

function redeployOutcome(s: SlotView, res: RedeployResponse): ActionOutcome {
  switch (res.outcome) {
    case 'redeployed':
      return { kind: 'ok', text: res.fingerprint ? `Slot ${s.slot_no} redeployed (fingerprint ${res.fingerprint.slice(0, 12)}).` : `Slot ${s.slot_no} redeployed.` };
    case 'failed':
      return { kind: 'error', text: `Redeploy failed: ${res.error ?? 'the deployer gave no reason'}` };
    case 'pending':
      return { kind: 'pending', text: 'Requested: waiting for the deployer to confirm.' };
  }
}

/** The slot's last staff redeploy: its status and when, who asked, and the error of a failed one. */
function LastRedeploy({ r }: { r: SlotView['last_redeploy'] }) {
  if (!r) return <Dash />;
  return (
    <div class="redeploy-last" data-testid="last-redeploy" data-redeploy-status={r.status}>
      <span class="redeploy-line">
        <StatusChip status={r.status} /> <Time iso={r.created_at} />
      </span>
      <span class="redeploy-by">by {r.requested_by}</span>
      {r.status === 'failed' && r.error ? <span class="redeploy-error">{r.error}</span> : null}
    </div>
  );
}

interface RowProps {
  s: SlotView;
  /** Whether the caller may act in the slot's project (else no button at all). */
  canAct: boolean;
  busy: boolean;
  onRedeploy: (s: SlotView) => void;
}

/** The Redeploy button, with why it is disabled. */
function RedeployButton({ s, busy, onRedeploy }: Omit<RowProps, 'canAct'>) {
  const { allowed, reason } = s.redeploy;
  return (
    <div class="row-action">
      <button type="button" data-action="redeploy" disabled={!allowed || busy} title={allowed ? undefined : (reason ?? undefined)} onClick={() => onRedeploy(s)}>
        Redeploy
      </button>
      {!allowed && reason ? <span class="reason">{reason}</span> : null}
    </div>
  );
}

function SlotRow({ s, canAct, busy, onRedeploy }: RowProps) {
  return (
    <tr data-slot={`${s.project.slug}/${s.slot_no}`}>
      <td data-label="Slot">
        {s.project.slug} <strong>#{s.slot_no}</strong>
      </td>
      <td data-label="State">
        <StateChip state={s.state} />
      </td>
      <td data-label="Lease">
        {s.lease_owner ? (
          <>
            <Mono value={s.lease_owner} /> <span class="lease-until">until <Time iso={s.lease_until} /></span>
          </>
        ) : (
          <Dash />
        )}
      </td>
      <td data-label="Namespace">{s.namespace ? <code>{s.namespace}</code> : <Dash />}</td>
      <td data-label="URL">
        {s.public_url ? (
          <ExtLink href={s.public_url} testId="slot-url">
            {s.host ?? s.public_url}
          </ExtLink>
        ) : (
          <Dash />
        )}
      </td>
      <td data-label="Last run">{s.last_run_id ? <a href={`/runs/${s.last_run_id}`}>{shortId(s.last_run_id)}</a> : <Dash />}</td>
      <td data-label="Commit">{s.last_commit_sha ? <code title={s.last_commit_sha}>{s.last_commit_sha.slice(0, 12)}</code> : <Dash />}</td>
      <td data-label="Fingerprint">{s.fingerprint ? <code title={s.fingerprint}>{s.fingerprint.slice(0, 12)}</code> : <Dash />}</td>
      <td data-label="Deploy">
        <StatusChip status={s.deploy_status} />
      </td>
      <td data-label="Last redeploy" class="redeploy-cell">
        <LastRedeploy r={s.last_redeploy} />
        {canAct ? <RedeployButton s={s} busy={busy} onRedeploy={onRedeploy} /> : null}
      </td>
    </tr>
  );
}

/** `/slots`: every slot of the visible projects; who may act in a slot's project redeploys it (confirmed in a dialog). */
export function SlotsPage() {
  const session = currentSession();
  const project = projectParam();
  const [slots, setSlots] = useState<SlotView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [asking, setAsking] = useState<SlotView | null>(null);
  const action = useListAction();
  const withAction = session.platform_admin || session.projects.some((p) => p.can_act);
  const reload = (): void => setReloads((n) => n + 1);
  useEffect(() => {
    let current = true;
    setError(null);
    void api.slots(project || undefined).then(
      (r) => current && setSlots(r.items),
      (err: unknown) => current && setError(messageOf(err)),
    );
    return () => {
      current = false;
    };
  }, [project, reloads]);
  // A redeploy that is still running ends on its own: look again until it has.
  useInterval(reload, 5_000, slots?.some((s) => s.last_redeploy?.status === 'running') ?? false);

  const redeploy = (s: SlotView): void =>
    action.perform(
      `Redeploying slot ${s.slot_no} of ${s.project.slug}…`,
      () => api.redeploy(s.project.slug, s.slot_no, session.csrf_token),
      (res) => redeployOutcome(s, res),
      reload,
    );
  return (
    <ListPage title="Slots" withProject error={error}>
      {withAction ? <ActionResult result={action.result} /> : null}
      <Table label="Slots" head={HEAD}>
        {slots?.map((s) => (
          <SlotRow key={`${s.project.id}/${s.slot_no}`} s={s} canAct={canActIn(session, s.project.slug)} busy={action.busy} onRedeploy={setAsking} />
        ))}
      </Table>
      {slots?.length === 0 ? <Empty>No slots.</Empty> : null}
      <ConfirmDialog
        open={asking !== null}
        title={asking ? `Redeploy slot ${asking.slot_no} of ${asking.project.slug}?` : ''}
        confirmLabel="Redeploy"
        onConfirm={() => asking && redeploy(asking)}
        onClose={() => setAsking(null)}
      >
        <p>Every unit of its last deploy is applied again, in order.</p>
      </ConfirmDialog>
    </ListPage>
  );
}
