import { listLogChunks, runLogsTail } from '@codex-k8s/db';
import type { Access } from './access.js';
import type { Answer, ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';

/** A download: the refusal, or the text in pages (the whole log is never held in memory). */
export type Download = { answer: Answer } | { filename: string; pages: AsyncIterable<string> };

async function* chunksOf(deps: ConsoleDeps, runId: string): AsyncIterable<string> {
  let after = -1;
  for (;;) {
    const rows = await listLogChunks(deps.db, runId, { afterSeq: after, limit: 500 });
    for (const r of rows) yield r.text;
    if (rows.length < 500) return;
    after = (rows[rows.length - 1] as { seq: number }).seq;
  }
}

/** `GET /api/v1/staff/runs/{run_id}/logs/download`: the agent's whole streamed log (else the stored end) as text. */
export async function handleLogDownload(deps: ConsoleDeps, access: Access, params: unknown): Promise<Download> {
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v;
  const filename = `run-${v.run.id}.log`;
  const first = await listLogChunks(deps.db, v.run.id, { limit: 1 });
  if (first.length === 0) {
    const stored = (await runLogsTail(deps.db, v.run.id)) ?? '';
    return { filename, pages: (async function* () { yield stored; })() };
  }
  return { filename, pages: chunksOf(deps, v.run.id) };
}
