import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { signWebhook } from '@codex-k8s/stack';
import { percentile } from './support.js';

export interface LoadResult {
  readonly label: string;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Closed-loop load: `concurrency` workers post distinct signed deliveries back to back for `seconds`.
 * Each request is a new delivery id, so every accepted one is a store + publish, never a duplicate.
 */
export async function runLoad(opts: { label: string; url: string; body: Buffer; secret: string; concurrency: number; seconds: number; okStatus: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const signature = signWebhook(opts.secret, opts.body);
  const end = performance.now() + opts.seconds * 1000;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const s = performance.now();
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-delivery': randomUUID(), 'x-github-event': 'issues', 'x-hub-signature-256': signature },
        body: opts.body,
      }).catch(() => undefined);
      if (res) await res.arrayBuffer();
      latencies.push(performance.now() - s);
      if (res?.status === opts.okStatus) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label: opts.label,
    requests: latencies.length,
    ok,
    failed,
    seconds,
    perSecond: ok / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}
