import { LogQuery } from '@codex-k8s/contracts';
import { agentLogLines } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, parse, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';

const DEFAULT_TAIL = 500;

/** The last `n` lines of a text, and whether there were more. Pure. */
export function tailLines(text: string, n: number): { lines: string[]; truncated: boolean } {
  const all = text.replace(/\n$/, '').split('\n');
  return { lines: text === '' ? [] : all.slice(-n), truncated: all.length > n };
}

/**
 * `GET /api/v1/staff/runs/{run_id}/logs`: the end of the agent's log: what it streamed to agent-gateway (live while it
 * runs), else the end of the pod log stored with the run when it finished.
 */
export async function handleRunLogs(deps: ConsoleDeps, access: Access, params: unknown, query: unknown): Promise<Answer> {
  const q = parse(LogQuery, query);
  if (!q.ok) return q.answer;
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const n = q.value.tail ?? DEFAULT_TAIL;
  const streamed = await agentLogLines(deps.db, v.run.id, n);
  if (streamed.found) return ok({ source: 'agent_stream', lines: streamed.lines, truncated: streamed.truncated });
  const stored = v.run.agent_logs_tail;
  if (stored) return ok({ source: 'stored_tail', ...tailLines(stored, n) });
  return ok({ source: 'none', lines: [], truncated: false });
}
