import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { eventually, sign } from './github.js';
import { adminKubeConfig, issuePayload, SECRET, type Platform } from './platform.js';
import type { ProxyMode, TcpProxy } from './tcp-proxy.js';

/** The events that end a run; every run ends with exactly one of them (they share one event id). */
export const TERMINAL = ['run.succeeded', 'run.failed', 'run.failed.job_not_found', 'run.failed.launch_error'];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GitHub gives up on a delivery after 10 s and counts it as failed. */
const GITHUB_TIMEOUT_MS = 10_000;

/** One webhook delivery of a scenario and what the endpoint answered to each attempt (0: no answer in time). */
export interface TrackedDelivery {
  readonly id: string;
  readonly issue: number;
  readonly body: string;
  readonly statuses: number[];
  /** 202, or 200 `duplicate` to a redelivery (an earlier attempt was committed although its answer was lost). */
  accepted: boolean;
}

/**
 * Posts one attempt of a delivery the way GitHub does (signed, 10 s timeout) and records the answer: 202 accepted,
 * 200 duplicate (counts as accepted: the delivery id is in the inbox), anything else or no answer is a failure
 * GitHub would redeliver.
 */
export async function attempt(baseUrl: string, d: TrackedDelivery): Promise<number> {
  let status = 0;
  try {
    const res = await fetch(`${baseUrl}/api/v1/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/codex-k8s',
        'x-github-delivery': d.id,
        'x-github-event': 'issues',
        'x-hub-signature-256': sign(SECRET, d.body),
      },
      body: d.body,
      signal: AbortSignal.timeout(GITHUB_TIMEOUT_MS),
    });
    await res.text();
    status = res.status;
  } catch {
    status = 0;
  }
  d.statuses.push(status);
  if (status === 202 || status === 200) d.accepted = true;
  return status;
}

/** Distinct `run:dev` issue deliveries, issue numbers `first`, `first + 1`, ... */
export function runDeliveries(first: number, count: number): TrackedDelivery[] {
  return Array.from({ length: count }, (_, i) => ({ id: randomUUID(), issue: first + i, body: issuePayload({ issueNumber: first + i }), statuses: [], accepted: false }));
}

/** Redelivers (same delivery id, as GitHub's redelivery does) every delivery not accepted yet, until it is. */
export async function redeliverUntilAccepted(baseUrls: readonly string[], deliveries: readonly TrackedDelivery[], timeoutMs = 60_000): Promise<void> {
  let turn = 0;
  await eventually(
    'every delivery accepted after the fault',
    async () => {
      const open = deliveries.filter((d) => !d.accepted);
      await Promise.all(open.map((d) => attempt(baseUrls[turn++ % baseUrls.length] ?? '', d)));
      const still = deliveries.filter((d) => !d.accepted);
      if (still.length > 0) throw new Error(`${still.length} not accepted yet (${still.map((d) => d.statuses.join('/')).join(', ')})`);
      return true;
    },
    timeoutMs,
  );
}

/** Namespaces of this platform's runs that still exist (terminating ones included). */
export async function runNamespacesLeft(p: Platform): Promise<string[]> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const prefix = `${p.env.CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX ?? '?'}-`;
  return (await core.listNamespace()).items.map((n) => n.metadata?.name ?? '').filter((n) => n.startsWith(prefix));
}

/** How each delivery's timeline ends: its terminal events and webhook.ignored events, by type. */
async function endings(p: Platform, deliveries: readonly TrackedDelivery[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const d of deliveries) {
    const types = (await p.timeline(d.id)).map((r) => r.event_type);
    out.set(d.id, types.filter((t) => TERMINAL.includes(t) || t === 'webhook.ignored'));
  }
  return out;
}

/**
 * Waits (bounded) until nothing of the scenario is left: every accepted delivery has ended (a terminal event or
 * webhook.ignored), no run row is pending or running, and no namespace with the platform's run prefix exists any
 * more. Fails with what is still open.
 */
export async function waitUntilSettled(p: Platform, deliveries: readonly TrackedDelivery[], timeoutMs: number): Promise<void> {
  await eventually(
    'every run ended and every run namespace gone',
    async () => {
      const ends = await endings(p, deliveries);
      const open = deliveries.filter((d) => (ends.get(d.id) ?? []).length === 0).map((d) => `#${d.issue}`);
      const live = await p.tdb.db.selectFrom('agent_runs').select(['correlation_id', 'status', 'issue_number']).where('status', 'in', ['pending', 'running']).execute();
      const left = await runNamespacesLeft(p);
      if (open.length + live.length + left.length > 0) {
        throw new Error(`deliveries not ended: [${open.join(' ')}]; live runs: [${live.map((r) => `#${r.issue_number ?? '?'} ${r.status}`).join(' ')}]; namespaces left: ${left.length}`);
      }
      return true;
    },
    timeoutMs,
  );
}

/**
 * The verdict of a scenario, once settled: every service process still the one it started with (none exited,
 * none restarted by the supervisor), every accepted delivery ended exactly once (one terminal event, or one
 * webhook.ignored and no run), every run row final.
 */
export async function assertNothingLostOrStuck(p: Platform, deliveries: readonly TrackedDelivery[]): Promise<void> {
  assertAllRunning(p);
  const accepted = deliveries.filter((d) => d.accepted);
  const ends = await endings(p, accepted);
  const runs = await p.tdb.db.selectFrom('agent_runs').select(['correlation_id', 'status']).execute();
  const runOf = new Map(runs.map((r) => [r.correlation_id, r]));
  const summary: Record<string, number> = {};
  for (const d of accepted) {
    const k = assertEndedOnce(d, ends.get(d.id) ?? [], runOf.get(d.id));
    summary[k] = (summary[k] ?? 0) + 1;
  }
  for (const r of runs) assert.ok(r.status !== 'pending' && r.status !== 'running', `run of ${r.correlation_id} still ${r.status}`);
  console.log(`endings of ${accepted.length} accepted deliveries: ${JSON.stringify(summary)}`);
}

/** Every replica of every service is still the process it started as: none exited, none was restarted. */
export function assertAllRunning(p: Platform): void {
  for (const { name, service } of p.all()) {
    assert.equal(service.process.exitCode, null, `${name} exited (log: ${service.logFile})`);
    assert.equal(service.process.signalCode, null, `${name} was killed (log: ${service.logFile})`);
    assert.equal(service.restarts, 0, `${name} crashed and was restarted by the supervisor (log: ${service.logFile})`);
  }
}

/** One terminal event and a final run row, or one webhook.ignored and no run. Returns how it ended. */
function assertEndedOnce(d: TrackedDelivery, ends: readonly string[], run: { status: string } | undefined): string {
  const terminal = ends.filter((t) => TERMINAL.includes(t));
  const ignored = ends.filter((t) => t === 'webhook.ignored');
  assert.ok(
    (terminal.length === 1 && ignored.length === 0) || (terminal.length === 0 && ignored.length === 1),
    `delivery #${d.issue} (${d.id}, answers ${d.statuses.join('/')}) must end exactly once: ${ends.join(', ') || 'nothing'}`,
  );
  if (terminal.length === 0) {
    assert.equal(run, undefined, `#${d.issue}: ignored, yet a run row exists (${run?.status ?? ''})`);
    return 'webhook.ignored';
  }
  assert.ok(run, `#${d.issue}: a terminal event but no run row`);
  assert.ok(run.status === 'succeeded' || run.status === 'failed', `#${d.issue}: run row ${run.status} after ${terminal[0] ?? ''}`);
  return terminal[0] ?? '';
}

/** Timings of one outage scenario. */
export interface Outage {
  readonly proxy: TcpProxy;
  readonly mode: Exclude<ProxyMode, 'open'>;
  readonly ms: number;
}

/**
 * The common shape of an outage scenario with `count` runs in flight: the first half is delivered and accepted,
 * the outage starts as soon as the first of them has its Job (the rest are planned, provisioning or waiting for
 * their Jobs), the second half is delivered during the outage (each answer recorded, refusals are fine), the
 * outage ends, and whatever was not accepted is redelivered until it is. Returns all deliveries and those of the
 * outage.
 */
export async function deliverAcrossOutage(p: Platform, o: Outage & { firstIssue: number; count: number }): Promise<{ deliveries: TrackedDelivery[]; during: TrackedDelivery[] }> {
  const deliveries = runDeliveries(o.firstIssue, o.count);
  const half = Math.ceil(o.count / 2);
  const before = deliveries.slice(0, half);
  const during = deliveries.slice(half);
  await Promise.all(before.map((d, i) => attempt(p.baseUrls[i % p.baseUrls.length] ?? p.baseUrl, d)));
  assert.deepEqual(before.filter((d) => !d.accepted).map((d) => d.statuses), [], 'all deliveries before the outage are accepted');
  await eventually('a run of the first half started', async () => {
    for (const d of before) if ((await p.timeline(d.id)).some((r) => r.event_type === 'run.started')) return true;
    return undefined;
  }, 60_000);
  const started = Date.now();
  o.proxy.setMode(o.mode);
  const spacing = Math.floor(Math.min(o.ms, 8_000) / Math.max(during.length, 1));
  const posts = during.map(async (d, i) => {
    await sleep(i * spacing);
    await attempt(p.baseUrls[i % p.baseUrls.length] ?? p.baseUrl, d);
  });
  await sleep(Math.max(o.ms - (Date.now() - started), 0));
  o.proxy.setMode('open');
  await Promise.all(posts);
  console.log(`outage ${o.mode} ${o.ms} ms; answers during it: ${during.map((d) => d.statuses.join('/')).join(' ')}`);
  await redeliverUntilAccepted(p.baseUrls, deliveries);
  return { deliveries, during };
}
