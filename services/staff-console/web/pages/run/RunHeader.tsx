import type { ComponentChildren } from 'preact';
import { StatusChip } from '../../components/Chip.js';
import { CopyChip } from '../../components/Copy.js';
import { ExtLink } from '../../components/ExtLink.js';
import { MetaList, type MetaRow } from '../../components/MetaList.js';
import { Time } from '../../components/Time.js';
import { duration, now, runDuration, shortId } from '../../format.js';
import type { RunDetails } from '../../types.js';

function Outcome({ run }: { run: RunDetails }) {
  const o = run.outcome;
  if (!o) return null;
  return (
    <div class="outcome" data-outcome={run.status}>
      <p>
        <strong>{o.reason ?? o.event_type}</strong>
        {o.reason ? <code class="muted"> {o.event_type}</code> : null}
        {o.exit_code === null ? null : <span class="muted"> · exit code {o.exit_code}</span>}
      </p>
      {o.error ? <pre class="outcome-error">{o.error}</pre> : null}
    </div>
  );
}

function Meta({ run }: { run: RunDetails }) {
  const ms = runDuration(run, now.value);
  const rows: MetaRow[] = [
    ['Project', run.project.name],
    ['Trigger', run.trigger_label ? <code>{run.trigger_label}</code> : (run.trigger_kind ?? '—')],
    ['Repository', run.repository_full_name ?? '—'],
    ['Runtime', run.runtime_mode ?? '—'],
    ['Namespace', run.namespace ? `${run.namespace} (${run.namespace_state})` : run.namespace_state],
    ['Slot', run.slot_no === null ? '—' : `#${run.slot_no}`],
    ['Job', run.job_name ? `${run.job_namespace ?? ''}/${run.job_name}` : '—'],
    ['Sender', run.sender_login ?? '—'],
    ['Created', <Time iso={run.created_at} />],
    ['Started', <Time iso={run.started_at} />],
    ['Finished', <Time iso={run.finished_at} />],
    ['Duration', ms === null ? '—' : duration(ms)],
  ];
  return <MetaList rows={rows} />;
}

/** Status, ids to copy, links, outcome and the facts of the run; `children` holds the actions. */
export function RunHeader({ run, children }: { run: RunDetails; children: ComponentChildren }) {
  return (
    <header class="run-head card">
      <div class="run-title">
        <StatusChip status={run.status} testId="run-status" />
        <h1>{run.issue_title ?? `Run ${shortId(run.id)}`}</h1>
      </div>
      <div class="chips">
        <CopyChip label="run" value={run.id} />
        <CopyChip label="correlation" value={run.correlation_id} />
        {run.namespace ? <CopyChip label="namespace" value={run.namespace} /> : null}
      </div>
      <p class="links">
        {run.issue_url ? <ExtLink href={run.issue_url}>Issue #{run.issue_number}</ExtLink> : null}
        {run.public_url ? <ExtLink href={run.public_url}>Slot {run.public_url.replace(/^https?:\/\//, '')}</ExtLink> : null}
      </p>
      <Outcome run={run} />
      <Meta run={run} />
      {children}
    </header>
  );
}
