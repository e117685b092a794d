import { StatusChip } from '../../components/Chip.js';
import { ExtLink } from '../../components/ExtLink.js';
import { MetaList, type MetaRow } from '../../components/MetaList.js';
import { Time } from '../../components/Time.js';
import type { DeployTaskView } from '../../types.js';
import { Section } from './Section.js';

function Facts({ d }: { d: DeployTaskView }) {
  const rows: MetaRow[] = [
    ['Status', <StatusChip status={d.status} />],
    ['Slot', `#${d.slot_no} · ${d.namespace}`],
    ['Build', <code>{d.build_ref}</code>],
    ['Commit', d.commit_sha ? <code title={d.commit_sha}>{d.commit_sha.slice(0, 12)}</code> : '—'],
    ['URL', d.public_url ? <ExtLink href={d.public_url}>{d.host ?? d.public_url}</ExtLink> : (d.host ?? '—')],
    ['Attempts', `${d.attempts} · ${d.units_done} units done`],
    ['Started', <Time iso={d.started_at} />],
    ['Finished', <Time iso={d.finished_at} />],
  ];
  return <MetaList rows={rows} compact />;
}

/** The slot's deploy task of this run, with the log of its stages. */
export function Deploy({ deploy }: { deploy: DeployTaskView | null }) {
  return (
    <Section id="deploy" title="Deploy">
      {deploy ? (
        <>
          <Facts d={deploy} />
          {deploy.last_error ? <pre class="outcome-error">{deploy.last_error}</pre> : null}
          <h3>Stage log</h3>
          {deploy.logs.length === 0 ? <p class="muted">Nothing logged yet.</p> : null}
          <ol class="stage-log">
            {deploy.logs.map((l, i) => (
              <li key={i} data-level={l.level}>
                <Time iso={l.created_at} />
                <code class="stage">{l.stage}</code>
                <span class="message">{l.message}</span>
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p class="muted">No deploy task for this run.</p>
      )}
    </Section>
  );
}
