import { Time } from '../../components/Time.js';
import { duration } from '../../format.js';
import type { RunDetails } from '../../types.js';
import { Section } from './Section.js';

/** The phases the run went through, each with the time it took (a bar relative to the longest). */
export function Timeline({ run }: { run: RunDetails }) {
  const longest = Math.max(1, ...run.phases.map((p) => p.duration_ms ?? 0));
  return (
    <Section id="timeline" title="Timeline">
      {run.phases.length === 0 ? <p class="muted">No phase reached yet.</p> : null}
      <ol class="phases">
        {run.phases.map((p) => (
          <li key={`${p.phase}-${p.at}`} data-phase={p.phase}>
            <span class="phase-name">{p.phase}</span>
            <span class="phase-time">
              <Time iso={p.at} />
            </span>
            <code class="phase-event">{p.event_type}</code>
            <span class="phase-duration">{p.duration_ms === null ? '' : duration(p.duration_ms)}</span>
            {p.duration_ms === null ? null : (
              <span class="phase-bar" aria-hidden="true">
                <span style={{ width: `${Math.max(1, Math.round((p.duration_ms / longest) * 100))}%` }} />
              </span>
            )}
          </li>
        ))}
      </ol>
      {run.agent_finished ? (
        <div class="agent-finished">
          <h3>Agent finished</h3>
          <p>
            <Time iso={run.agent_finished.received_at} />
            {run.agent_finished.exit_code === null ? null : <span class="muted"> · exit code {run.agent_finished.exit_code}</span>}
          </p>
          {run.agent_finished.summary ? <p class="summary">{run.agent_finished.summary}</p> : null}
        </div>
      ) : null}
      {run.status_lines.length > 0 ? (
        <div class="status-lines">
          <h3>Agent status</h3>
          <ol>
            {run.status_lines.map((l) => (
              <li key={l.seq}>
                <Time iso={l.received_at} /> <span>{l.message ?? '—'}</span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </Section>
  );
}
