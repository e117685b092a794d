#!/usr/bin/env node
import { readRunnerConfig, runAgent } from './runner.js';

// The reference agent runner (docs/agents.md): the agent Job's command when CODEXK8S_WORKER_JOB_RUNNER names it.
const note = (line: string): void => void process.stderr.write(`[codex-agent-runner] ${line}\n`);
const cfg = readRunnerConfig(process.env);
if ('errors' in cfg) {
  for (const e of cfg.errors) note(e);
  process.exit(78);
}
const stops: (() => void)[] = [];
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => stops.forEach((s) => s()));
try {
  const code = await runAgent(cfg, {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    note,
    onStop: (s) => stops.push(s),
  });
  note(`agent command exited with ${code}`);
  process.exitCode = code;
} catch (err) {
  note(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 70;
}
