import { toLabelValue } from './names.js';

/** The value of `<domain>managed-by` on everything the platform creates (the value the original codex-k8s uses, so its namespaces stay recognisable). */
export const MANAGED_BY = 'codex-k8s-worker';
export const NAMESPACE_PURPOSE_RUN = 'run';
/** A slot namespace: leased to one run at a time, its stack kept between runs. */
export const NAMESPACE_PURPOSE_SLOT = 'slot';

/** Label and annotation keys under the configured domain prefix (default `codex-k8s.dev/`). */
export function labelKeys(domain: string) {
  const k = (n: string): string => `${domain}${n}`;
  return {
    managedBy: k('managed-by'),
    namespacePurpose: k('namespace-purpose'),
    runtimeMode: k('runtime-mode'),
    runId: k('run-id'),
    projectId: k('project-id'),
    /** The project that owns the namespace: set when the namespace is created, never changed afterwards. */
    ownerProjectId: k('owner-project-id'),
    issueNumber: k('issue-number'),
    slotNo: k('slot-no'),
    correlationId: k('correlation-id'),
  } as const;
}
export type LabelKeys = ReturnType<typeof labelKeys>;

export interface RunIdentity {
  readonly runId: string;
  readonly projectId: string;
  readonly correlationId: string;
  readonly runtimeMode: 'full-env' | 'code-only';
  readonly issueNumber: number | null;
}

/** Labels of a run (or slot) namespace (reference 3.2). */
export function namespaceLabels(keys: LabelKeys, run: RunIdentity, slot?: { slotNo: number }): Record<string, string> {
  return {
    [keys.managedBy]: MANAGED_BY,
    [keys.namespacePurpose]: slot ? NAMESPACE_PURPOSE_SLOT : NAMESPACE_PURPOSE_RUN,
    ...(slot ? { [keys.slotNo]: String(slot.slotNo) } : {}),
    [keys.runtimeMode]: run.runtimeMode,
    [keys.runId]: toLabelValue(run.runId),
    [keys.projectId]: toLabelValue(run.projectId),
    [keys.ownerProjectId]: toLabelValue(run.projectId),
    ...(run.issueNumber ? { [keys.issueNumber]: String(run.issueNumber) } : {}),
  };
}

/** True when a namespace carries the labels that make it ours to delete (reference 3.4 delete guard). */
export function isManagedRunNamespace(keys: LabelKeys, labels: Record<string, string> | undefined): boolean {
  return labels?.[keys.managedBy] === MANAGED_BY && labels[keys.namespacePurpose] === NAMESPACE_PURPOSE_RUN && Boolean(labels[keys.runtimeMode]);
}

/** True when a namespace is ours to adopt: managed by us, a run or a slot namespace. */
export function isManagedNamespace(keys: LabelKeys, labels: Record<string, string> | undefined): boolean {
  const purpose = labels?.[keys.namespacePurpose];
  return labels?.[keys.managedBy] === MANAGED_BY && (purpose === NAMESPACE_PURPOSE_RUN || purpose === NAMESPACE_PURPOSE_SLOT);
}

/**
 * Whether a managed namespace may be used by a project: it carries no owner yet (created before owners were
 * recorded) or its owner is that project. A namespace owned by another project is never adopted. Pure.
 */
export function isOwnedBy(keys: LabelKeys, labels: Record<string, string> | undefined, projectId: string): boolean {
  const owner = labels?.[keys.ownerProjectId];
  return owner === undefined || owner === toLabelValue(projectId);
}
