import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@codex-k8s/stack';

/** The benchmarks `npm run bench -- --all` runs one after another, each printing its figures beside its floor and target. */
const PARTS: readonly (readonly [string, readonly string[]])[] = [
  ['webhook-ingress: closed-loop ratio to a bare route, open-loop latency at 500 and 1,000 req/s, audit drain of the backlog', ['bench/run.ts']],
  ['audit-writer: drain rate beside a bare 500-row INSERT floor', ['bench/audit-drain.ts']],
  ['agent-gateway: 4 KiB log chunks/s from 32 agents beside an in-process store + publish floor, status report -> flow_events latency at 20/s, RSS', ['bench/agent-gateway.ts']],
  ['burst of 100 run:dev: prepared time beside the bare apiserver floor, finish attempts and deletes per run', ['bench/burst.ts']],
  ['cold slot deploy of 6 units: webhook -> slot.ready beside server-side apply and waits of the same objects, then the real sample on the real node', ['bench/slot-deploy.ts', '--real']],
  ['staff-console with 10,000 runs and 1,000,000 flow events: runs list, run page and events p95 (1 and 8 clients) beside the GET /session floor and the bare SQL', ['bench/staff-console.ts']],
  ['RSS of the seven services at idle, compiled and from sources', ['bench/rss.ts']],
];

/**
 * Builds once (the services run as compiled JavaScript), then runs every benchmark in turn, each on a stack of its own
 * that it stops afterwards, so no two measure at once on this 2-core machine. Returns the first failing exit code.
 */
export function runAll(): number {
  const build = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  let code = 0;
  for (const [what, argv] of PARTS) {
    console.log(`\n== ${what}`);
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', ...argv], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0 && code === 0) code = r.status ?? 1;
  }
  return code;
}
