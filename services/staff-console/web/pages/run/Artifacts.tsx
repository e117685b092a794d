import { PATHS } from '../../api.js';
import { ExtLink } from '../../components/ExtLink.js';
import { Time } from '../../components/Time.js';
import { bytes } from '../../format.js';
import type { ArtifactView, RunDetails } from '../../types.js';
import { Section } from './Section.js';

function ArtifactLink({ runId, a }: { runId: string; a: ArtifactView }) {
  if (a.url) {
    const text = a.kind === 'pull_request' && a.number !== null ? `PR #${a.number}${a.title ? ` ${a.title}` : ''}` : (a.title ?? a.name);
    return <ExtLink href={a.url}>{text}</ExtLink>;
  }
  return <ExtLink href={PATHS.artifact(runId, a.name)}>{a.name}</ExtLink>;
}

/** What the agent left: pull requests and links open where they point, files and reports from the API. */
export function Artifacts({ run }: { run: RunDetails }) {
  return (
    <Section id="artifacts" title="Artifacts">
      {run.artifacts.length === 0 ? (
        <p class="muted">No artifacts.</p>
      ) : (
        <div class="table-wrap">
          <table class="plain">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {run.artifacts.map((a) => (
                <tr key={a.name} data-artifact={a.name}>
                  <td data-label="Name">
                    <ArtifactLink runId={run.id} a={a} />
                    {a.branch ? <code class="muted"> {a.branch}</code> : null}
                  </td>
                  <td data-label="Kind">{a.kind}</td>
                  <td data-label="Size" class="num">
                    {a.size_bytes > 0 ? bytes(a.size_bytes) : '—'}
                  </td>
                  <td data-label="Created">
                    <Time iso={a.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
