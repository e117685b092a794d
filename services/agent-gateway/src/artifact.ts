import { createHash } from 'node:crypto';
import { ArtifactAddedV1, ArtifactName, ArtifactRequest, PullRequestCreatedV1 } from '@codex-k8s/contracts';
import { addArtifact, type AgentIdentity } from '@codex-k8s/db';
import { publishCaused } from '@codex-k8s/flow';
import { accepted, reasonOf, refused, runRefOf, type Answer, type GatewayDeps } from './deps.js';

/**
 * `PUT /api/v1/runs/{run_id}/artifacts/{name}`: a named result. Files and reports carry their content (stored in
 * Postgres, never in an event or a log), within the per-artifact and per-run limits; pull requests, branches and
 * links carry their metadata. Stored once per (run, name): the same artifact again is a duplicate, another one
 * under that name a 409. A pull request is also announced as `run.pr.created`.
 */
export async function handleArtifact(deps: GatewayDeps, agent: AgentIdentity, rawName: string, body: unknown): Promise<Answer> {
  const name = ArtifactName.safeParse(rawName);
  if (!name.success) return refused(400, `name: ${name.error.issues[0]?.message ?? 'invalid'}`);
  const parsed = ArtifactRequest.safeParse(body);
  if (!parsed.success) return refused(400, reasonOf(parsed.error));
  const a = parsed.data;
  const content = a.content_base64 !== undefined ? Buffer.from(a.content_base64, 'base64') : null;
  if (content && content.length > deps.limits.artifactMaxBytes) return refused(413, `artifact of ${content.length} bytes is over the limit of ${deps.limits.artifactMaxBytes}`);
  const sha = content ? createHash('sha256').update(content).digest() : null;
  const row = {
    run_id: agent.run_id,
    name: name.data,
    kind: a.kind,
    content_type: content ? (a.content_type ?? 'application/octet-stream') : (a.content_type ?? null),
    size_bytes: content?.length ?? 0,
    sha256: sha,
    content,
    url: a.url ?? null,
    number: a.number ?? null,
    branch: a.branch ?? null,
    title: a.title ?? null,
  };
  const stored = await addArtifact(deps.db, row, deps.limits.artifactMaxBytesPerRun);
  if (stored === 'conflict') return refused(409, `artifact "${name.data}" already exists with other content`);
  if (stored === 'over_quota') return refused(413, `the run's artifacts are over their limit of ${deps.limits.artifactMaxBytesPerRun} bytes`);
  const cause = { correlationId: agent.correlation_id };
  const ref = runRefOf(agent);
  await publishCaused(deps.bus, ArtifactAddedV1, cause, {
    runId: agent.run_id,
    idParts: [name.data],
    data: { ...ref, name: name.data, kind: a.kind, size_bytes: row.size_bytes, sha256: sha?.toString('hex') ?? null, content_type: row.content_type, url: row.url, title: row.title },
  });
  if (a.kind === 'pull_request' && a.url && a.number && a.branch) {
    await publishCaused(deps.bus, PullRequestCreatedV1, cause, {
      runId: agent.run_id,
      idParts: [name.data],
      data: { ...ref, name: name.data, url: a.url, number: a.number, branch: a.branch, title: row.title },
    });
  }
  return accepted(stored === 'duplicate');
}
