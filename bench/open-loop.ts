import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { signWebhook } from '@codex-k8s/stack';
import { percentile } from './support.js';

export interface OpenLoopResult {
  readonly label: string;
  /** Requests per second the schedule asked for. */
  readonly rate: number;
  readonly requests: number;
  readonly ok: number;
  /** Answers other than `okStatus`, network errors and requests still unanswered at the end (after the grace). */
  readonly errors: number;
  /** Requests answered per second of the schedule (what the target kept up with). */
  readonly achievedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Open-loop load: request i is fired at `t0 + i / rate`, whether or not earlier ones were answered (a slow target
 * does not slow the generator down, as GitHub does not wait for one delivery before sending the next). Latency is
 * counted from each request's scheduled time, not from when it was written, so a generator or connection pool that
 * falls behind shows up in the figures instead of hiding them (no coordinated omission). Each request is a new
 * delivery id with a valid signature, so every accepted one is a store + publish. Node's http Agent with
 * keep-alive; `maxSockets` stays below the ingress connection cap (256), further requests wait in the Agent's
 * queue, which the latency includes.
 */
export async function runOpenLoop(opts: {
  label: string;
  url: string;
  body: Buffer;
  secret: string;
  rate: number;
  seconds: number;
  okStatus: number;
  maxSockets?: number;
  /** How long to wait for the last answers after the schedule ends; later ones count as errors. */
  graceMs?: number;
}): Promise<OpenLoopResult> {
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 200, keepAliveMsecs: 1_000 });
  const signature = signWebhook(opts.secret, opts.body);
  const total = Math.round(opts.rate * opts.seconds);
  const intervalMs = 1000 / opts.rate;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let answered = 0;
  let sent = 0;
  let allAnswered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allAnswered = resolve));
  const settle = (scheduledAt: number, good: boolean): void => {
    latencies.push(performance.now() - scheduledAt);
    if (good) ok++;
    else failed++;
    if (++answered === total) allAnswered();
  };
  const fire = (scheduledAt: number): void => {
    let settled = false;
    const once = (good: boolean): void => {
      if (settled) return;
      settled = true;
      settle(scheduledAt, good);
    };
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': opts.body.length,
          'x-github-delivery': randomUUID(),
          'x-github-event': 'issues',
          'x-hub-signature-256': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => once(res.statusCode === opts.okStatus));
        res.on('error', () => once(false));
      },
    );
    req.on('error', () => once(false));
    req.end(opts.body);
  };
  const t0 = performance.now() + 5;
  // A fixed schedule: every tick fires all requests whose time has come (a late tick fires several at once).
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) fire(t0 + sent++ * intervalMs);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(1, t0 + sent * intervalMs - performance.now())));
    };
    setTimeout(tick, 5);
  });
  const graceMs = opts.graceMs ?? 15_000;
  await Promise.race([done, new Promise((r) => setTimeout(r, graceMs).unref())]);
  const unanswered = total - answered;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    label: opts.label,
    rate: opts.rate,
    requests: total,
    ok,
    errors: failed + unanswered,
    achievedPerSecond: ok / opts.seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}
