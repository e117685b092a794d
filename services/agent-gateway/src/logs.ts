import { AgentLogAppendedV1, LogChunkRequest } from '@codex-k8s/contracts';
import { appendLogChunk, type AgentIdentity } from '@codex-k8s/db';
import { publishCaused } from '@codex-k8s/flow';
import { accepted, reasonOf, refused, runRefOf, type Answer, type GatewayDeps } from './deps.js';

/** Lines in a chunk: its newlines, and a last line without one. Pure. */
export function lineCount(text: string): number {
  if (!text) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

/**
 * `POST /api/v1/runs/{run_id}/logs`: one chunk of the agent's output, stored once per (run, seq) within the run's
 * log quota, then announced (`run.agent.log_appended`, its size only). The same seq with other text is a 409.
 */
export async function handleLogChunk(deps: GatewayDeps, agent: AgentIdentity, body: unknown): Promise<Answer> {
  const parsed = LogChunkRequest.safeParse(body);
  if (!parsed.success) return refused(400, reasonOf(parsed.error));
  const c = parsed.data;
  const bytes = Buffer.byteLength(c.text, 'utf8');
  if (bytes > deps.limits.logChunkMaxBytes) return refused(413, `log chunk of ${bytes} bytes is over the limit of ${deps.limits.logChunkMaxBytes}`);
  const stored = await appendLogChunk(deps.db, { run_id: agent.run_id, seq: c.seq, stream: c.stream, text: c.text, bytes }, deps.limits.logMaxBytesPerRun);
  if (stored === 'conflict') return refused(409, `log chunk ${c.seq} was already stored with other text`);
  if (stored === 'over_quota') return refused(413, `the run's log is over its limit of ${deps.limits.logMaxBytesPerRun} bytes`);
  await publishCaused(deps.bus, AgentLogAppendedV1, { correlationId: agent.correlation_id }, {
    runId: agent.run_id,
    idParts: [c.seq],
    data: { ...runRefOf(agent), seq: c.seq, stream: c.stream, bytes, lines: lineCount(c.text) },
  });
  return accepted(stored === 'duplicate');
}
