import { LogQuery } from '@codex-k8s/contracts';
import { agentLogLines, isLiveRun, runLogsTail } from '@codex-k8s/db';
import type { Access } from './access.js';
import { ok, parse, refused, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';

const DEFAULT_TAIL = 500;

/** The last `n` lines of a text, and whether there were more. Pure. */
export function tailLines(text: string, n: number): { lines: string[]; truncated: boolean } {
  const all = text.replace(/\n$/, '').split('\n');
  return { lines: text === '' ? [] : all.slice(-n), truncated: all.length > n };
}

/**
 * `GET /api/v1/staff/runs/{run_id}/logs`: the end of the agent's log. By default what it streamed to agent-gateway
 * (live while it runs, kept after), else what its live pod prints, else the end of the pod log stored with the run
 * when it finished. `source=pod` asks for the live pod's own output (404 when no pod is left), `source=agent` for the
 * streamed log only.
 */
export async function handleRunLogs(deps: ConsoleDeps, access: Access, params: unknown, query: unknown): Promise<Answer> {
  const q = parse(LogQuery, query);
  if (!q.ok) return q.answer;
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const run = v.run;
  const n = q.value.tail ?? DEFAULT_TAIL;
  const source = q.value.source ?? 'auto';
  const pod = async (): Promise<string | undefined> => (run.job_name && run.job_namespace && isLiveRun(run) ? deps.podLog({ name: run.job_name, namespace: run.job_namespace }, n + 1) : undefined);
  if (source === 'pod') {
    const text = await pod();
    return text === undefined ? refused(404, 'no live pod of this run to read (it ended, or has not started)') : ok({ source: 'pod', ...tailLines(text, n) });
  }
  const streamed = await agentLogLines(deps.db, run.id, n);
  if (streamed.found || source === 'agent') return ok({ source: 'agent_stream', lines: streamed.lines, truncated: streamed.truncated });
  const live = await pod();
  if (live !== undefined) return ok({ source: 'pod', ...tailLines(live, n) });
  const stored = await runLogsTail(deps.db, run.id);
  if (stored) return ok({ source: 'stored_tail', ...tailLines(stored, n) });
  return ok({ source: 'none', lines: [], truncated: false });
}
