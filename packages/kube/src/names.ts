// Kubernetes names the platform derives, exactly as the original codex-k8s derives them.

/** A DNS-1123 label: lower case, `_`/`.`/anything else -> `-`, runs of `-` collapsed, trimmed, at most 63. */
export function toDnsLabel(value: string, fallback: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = s.slice(0, 63).replace(/-+$/g, '');
  return cut || fallback;
}

/** A label value: lower case, `_` -> `-`, other invalid characters -> `-`, trimmed `-`, at most 63; empty -> `unknown`. */
export function toLabelValue(value: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/_/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  const cut = s.slice(0, 63).replace(/[-.]+$/g, '');
  return cut || 'unknown';
}

/** First 12 characters of an id with `_ - .` removed and anything but `[a-z0-9]` dropped. */
export function shortId(id: string, fallback: string): string {
  const s = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  return s.slice(0, 12) || fallback;
}

/**
 * The run namespace: `<prefix>-<project12>-i<issue>-r<run12>` (or `<prefix>-run-<run12>` without an issue).
 * No hash: uniqueness comes from the run id. Deterministic, so every service and every retry derive the same.
 */
export function runNamespaceName(opts: { prefix: string; projectId: string; runId: string; issueNumber: number | null }): string {
  const prefix = toDnsLabel(opts.prefix, 'codex-issue');
  const run12 = shortId(opts.runId, 'run');
  const candidate =
    opts.issueNumber && opts.issueNumber > 0
      ? `${prefix}-${shortId(opts.projectId, 'project')}-i${opts.issueNumber}-r${run12}`
      : `${prefix}-run-${run12}`;
  return toDnsLabel(candidate, 'codex-run');
}

/** The agent Job of a run: `codex-k8s-run-<run id>` cut to 63. */
export function agentJobName(runId: string): string {
  return toDnsLabel(`codex-k8s-run-${runId}`, 'codex-k8s-run');
}
