import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

// Metrics live on prom-client's default registry, served at `/metrics` by startHealth (and by webhook-ingress's own
// server). Each helper creates a metric once: asking again for the same name returns the registered one instead of
// throwing, so a module loaded twice (tests, a restarted component) shares it.

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames });
}

/** A histogram in seconds; the default buckets span 5 ms to 60 s (handlers, requests, phases of a run). */
export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]): Histogram<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames, buckets: [...buckets] });
}

/** A gauge; `collect` (optional) sets its values when /metrics is scraped. */
export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect?: (g: Gauge<L>) => void): Gauge<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, ...(collect ? { collect(this: Gauge<L>) { collect(this); } } : {}) });
}

let processMetrics = false;

/** Node's default process metrics (CPU, RSS, heap, event loop lag, GC, handles), once per process. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics();
}
