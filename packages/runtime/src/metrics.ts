import { Counter, register } from 'prom-client';

/**
 * A counter on the default registry (served at `/metrics`), created once: asking again for the same name returns
 * the registered one instead of throwing, so a module loaded twice (tests, a restarted component) shares it.
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames });
}
