import type { RunFilter } from '../../api.js';
import type { RunSummary } from '../../types.js';

export const FILTER_KEYS = ['project', 'status', 'trigger', 'issue', 'q'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const STATUSES = ['pending', 'running', 'succeeded', 'failed', 'canceled'] as const;

/** The runs filter as the URL query holds it. */
export function filterOf(query: URLSearchParams): RunFilter {
  const filter: RunFilter = {};
  for (const k of FILTER_KEYS) {
    const v = query.get(k)?.trim();
    if (v) filter[k] = v;
  }
  return filter;
}

const prefixOf = (value: string | null, q: string): boolean => value !== null && value.startsWith(q);

/** Whether a run the stream announced belongs in the list the filter shows (as the server would decide). */
export function matches(filter: RunFilter, run: RunSummary): boolean {
  const checks: [string | undefined, () => boolean][] = [
    [filter.project, () => run.project.slug === filter.project],
    [filter.status, () => run.status === filter.status],
    [filter.trigger, () => run.trigger_label === filter.trigger],
    [filter.issue, () => String(run.issue_number) === filter.issue],
    [filter.q, () => [run.correlation_id, run.id, run.namespace].some((v) => prefixOf(v, filter.q!))],
  ];
  return checks.every(([wanted, test]) => !wanted || test());
}

/** Puts a changed run in place, or a new matching one on top (never moves a row: no layout jump). */
export function mergeRun(items: RunSummary[], run: RunSummary, filter: RunFilter): RunSummary[] {
  const at = items.findIndex((r) => r.id === run.id);
  if (at >= 0) return items.map((r, i) => (i === at ? run : r));
  return matches(filter, run) ? [run, ...items] : items;
}
