import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { artifactsOf, readArtifactFiles } from './artifacts.js';
import { GatewayClient } from './client.js';
import { directiveOf, LineSplitter } from './directives.js';
import { LogShipper } from './log-shipper.js';

export interface RunnerConfig {
  readonly gatewayUrl: string;
  readonly tokenFile: string;
  readonly runId: string;
  readonly command: string;
  readonly artifactsDir: string;
  /** Text bytes per log chunk (below the gateway's limit). */
  readonly maxChunkBytes: number;
  readonly flushMs: number;
  /** Files bigger than this are not uploaded (the gateway's per-artifact limit). */
  readonly artifactMaxBytes: number;
  /** After the command ended: how long the log's tail, the artifacts and `finished` may take to reach the gateway. */
  readonly flushTimeoutMs: number;
  /** After SIGTERM: how long the command gets to stop before SIGKILL. */
  readonly termGraceMs: number;
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const int = (v: string | undefined, fallback: number, min: number, max: number): number => {
  const n = v === undefined || v === '' ? fallback : Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : Number.NaN;
};

/** The runner's settings from its environment (agent-launcher sets them), or the list of what is wrong. Pure. */
export function readRunnerConfig(env: NodeJS.ProcessEnv): RunnerConfig | { errors: string[] } {
  const errors: string[] = [];
  const need = (k: string): string => {
    const v = env[k];
    if (!v) errors.push(`${k} is not set`);
    return v ?? '';
  };
  const cfg: RunnerConfig = {
    gatewayUrl: need('CODEXK8S_AGENT_GATEWAY_URL').replace(/\/+$/, ''),
    tokenFile: need('CODEXK8S_AGENT_TOKEN_FILE'),
    runId: need('CODEXK8S_RUN_ID'),
    command: need('CODEXK8S_AGENT_COMMAND'),
    artifactsDir: env.CODEXK8S_ARTIFACTS_DIR || '/tmp/codex-artifacts',
    maxChunkBytes: int(env.CODEXK8S_AGENT_LOG_CHUNK_BYTES, 64 * 1024, 1_024, 1024 * 1024),
    flushMs: int(env.CODEXK8S_AGENT_LOG_FLUSH_MS, 1_000, 50, 60_000),
    artifactMaxBytes: int(env.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES, 5 * 1024 * 1024, 1, 64 * 1024 * 1024),
    flushTimeoutMs: int(env.CODEXK8S_AGENT_FLUSH_TIMEOUT_MS, 120_000, 1_000, 3_600_000),
    termGraceMs: int(env.CODEXK8S_AGENT_TERM_GRACE_MS, 10_000, 0, 600_000),
  };
  if (cfg.gatewayUrl && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(cfg.gatewayUrl)) errors.push('CODEXK8S_AGENT_GATEWAY_URL is not an http(s) URL');
  if (cfg.runId && !RUN_ID.test(cfg.runId)) errors.push('CODEXK8S_RUN_ID is not a run id');
  for (const [k, v] of Object.entries(cfg)) if (typeof v === 'number' && Number.isNaN(v)) errors.push(`${k} is out of range`);
  return errors.length ? { errors } : cfg;
}

/** The exit code a shell gives a process ended by `signal` (128 + its number). Pure. */
export function exitCodeOfSignal(signal: NodeJS.Signals | null, code: number | null): number {
  if (code !== null) return code;
  const n = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 1);
}

export interface RunnerIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The runner's own notes (to its stderr, never to the gateway log). */
  readonly note: (line: string) => void;
  /** Registers the stop handler (SIGTERM/SIGINT in main.ts). */
  readonly onStop: (stop: () => void) => void;
}

/**
 * Runs the agent command as the reference runner: `started`, the command (`sh -c`) with its output passed through
 * to the pod's log and streamed to the gateway, its `::codex-status::` lines reported, then the tail of the log,
 * the artifacts it left in CODEXK8S_ARTIFACTS_DIR, and `finished` with its exit code, which is returned. A stop
 * (SIGTERM) is passed on to the command, SIGKILL after the grace period, and the end is reported all the same.
 */
export async function runAgent(cfg: RunnerConfig, io: RunnerIo): Promise<number> {
  // Once the command ended, every request must be done by this instant (the flush timeout).
  const closing: { by?: number } = {};
  const client = new GatewayClient({ baseUrl: cfg.gatewayUrl, runId: cfg.runId, tokenFile: cfg.tokenFile, warn: io.note, deadline: () => closing.by ?? Date.now() + 120_000 });
  const report = async (body: Record<string, unknown>): Promise<void> => {
    const r = await client.send('POST', '/reports', body);
    if (!r.ok) io.note(`report ${String(body.type)} not accepted: ${r.status || 'unreachable'} ${r.reason}`);
  };
  await report({ type: 'started', message: 'reference runner started the agent command' });
  await mkdir(cfg.artifactsDir, { recursive: true });

  const shipper = new LogShipper({ send: (c) => client.send('POST', '/logs', c), maxChunkBytes: cfg.maxChunkBytes, flushMs: cfg.flushMs, warn: io.note });
  let statusSeq = 0;
  let reports: Promise<void> = Promise.resolve();
  const lines = new LineSplitter();
  const onLines = (ls: string[]): void => {
    for (const l of ls) {
      const d = directiveOf(l);
      if (!d) continue;
      const body = d.type === 'status' ? { type: 'status', seq: statusSeq++, message: d.message } : { type: 'ready', ...(d.message ? { message: d.message } : {}) };
      reports = reports.then(() => report(body));
    }
  };

  // In a process group of its own: a stop reaches everything the command started, not only its shell.
  const child = spawn('sh', ['-c', cfg.command], { env: { ...process.env, CODEXK8S_ARTIFACTS_DIR: cfg.artifactsDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // The group is gone already.
    }
  };
  const outDecoder = new TextDecoder();
  const errDecoder = new TextDecoder();
  child.stdout.on('data', (b: Buffer) => {
    io.stdout(b.toString('utf8'));
    const text = outDecoder.decode(b, { stream: true });
    shipper.write('stdout', text);
    onLines(lines.push(text));
  });
  child.stderr.on('data', (b: Buffer) => {
    io.stderr(b.toString('utf8'));
    shipper.write('stderr', errDecoder.decode(b, { stream: true }));
  });
  let killTimer: NodeJS.Timeout | undefined;
  io.onStop(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    io.note(`stop requested: SIGTERM to the agent command, SIGKILL after ${cfg.termGraceMs} ms`);
    signalGroup('SIGTERM');
    killTimer ??= setTimeout(() => signalGroup('SIGKILL'), cfg.termGraceMs);
  });
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      io.note(`the agent command could not start: ${err.message}`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  // What the command left running in its group (a server started with `&`) would hold the output open for ever:
  // its output is read for a moment more, then the group is killed.
  await new Promise<void>((resolve) => {
    const done = setTimeout(() => {
      signalGroup('SIGKILL');
      resolve();
    }, 2_000);
    if (child.stdout.readableEnded && child.stderr.readableEnded) {
      clearTimeout(done);
      resolve();
    }
    child.once('close', () => {
      clearTimeout(done);
      resolve();
    });
  });
  if (killTimer) clearTimeout(killTimer);
  const exitCode = exitCodeOfSignal(signal, code);
  onLines(lines.end());
  closing.by = Date.now() + cfg.flushTimeoutMs;

  await shipper.close(closing.by);
  await reports;
  if (shipper.backlog > 0) io.note(`${shipper.backlog} log chunks could not be sent in time (the pod's log has them)`);
  const found = artifactsOf(await readArtifactFiles(cfg.artifactsDir), cfg.artifactMaxBytes);
  for (const s of found.skipped) io.note(`artifact skipped: ${s}`);
  for (const a of found.uploads) {
    const r = await client.send('PUT', `/artifacts/${encodeURIComponent(a.name)}`, a.body);
    io.note(r.ok ? `artifact ${a.name} (${String(a.body.kind)}) stored${r.duplicate ? ' (already there)' : ''}` : `artifact ${a.name} not accepted: ${r.status || 'unreachable'} ${r.reason}`);
  }
  await report({ type: 'finished', exit_code: exitCode, ...(found.summary ? { summary: found.summary } : {}) });
  return exitCode;
}
