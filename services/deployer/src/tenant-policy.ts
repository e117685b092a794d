import type { KubernetesObject } from '@kubernetes/client-node';
import type { RenderedObject } from './manifests.js';

/** A tenant manifest that would reach beyond its slot: refused before anything is applied; retrying cannot help. */
export class TenantPolicyError extends Error {
  override readonly name = 'TenantPolicyError';
}

/** What the platform owns inside a slot namespace: the baseline's kinds and names, and its managed-by label. */
export interface ReservedObjects {
  /** `Kind/name` of every baseline object (ServiceAccount/codex-runner, Role/codex-runner, ...). */
  readonly names: readonly string[];
  /** The label that marks platform objects (`<domain>managed-by`). */
  readonly managedByLabel: string;
}

const RBAC = 'rbac.authorization.k8s.io/v1';
const FORBIDDEN_VERBS = new Set(['*', 'escalate', 'bind', 'impersonate']);

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}
interface Rule {
  verbs?: string[];
}

function roleBindingProblem(o: KubernetesObject & { roleRef?: { kind?: string; name?: string }; subjects?: Subject[] }, namespace: string): string | undefined {
  if (o.roleRef?.kind !== 'Role') return `binds ${o.roleRef?.kind ?? '?'}/${o.roleRef?.name ?? '?'}; a slot may bind only Roles of its own namespace`;
  const foreign = (o.subjects ?? []).find((s) => s.kind !== 'ServiceAccount' || (s.namespace !== undefined && s.namespace !== namespace));
  if (foreign) return `grants to ${foreign.kind ?? '?'}/${foreign.name ?? '?'}${foreign.namespace ? ` in ${foreign.namespace}` : ''}; a slot may grant only to its own ServiceAccounts`;
  return undefined;
}

function problemOf(o: KubernetesObject, namespace: string, reserved: ReservedObjects): string | undefined {
  const id = `${o.kind ?? ''}/${o.metadata?.name ?? ''}`;
  if (reserved.names.includes(id)) return 'is part of the platform baseline of the slot';
  if (o.metadata?.labels?.[reserved.managedByLabel] !== undefined) return `carries the platform label ${reserved.managedByLabel}`;
  if (o.apiVersion === RBAC && (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) return roleBindingProblem(o as never, namespace);
  if (o.apiVersion === RBAC && o.kind === 'Role') {
    const verb = ((o as { rules?: Rule[] }).rules ?? []).flatMap((r) => r.verbs ?? []).find((v) => FORBIDDEN_VERBS.has(v));
    if (verb) return `grants the verb "${verb}"`;
  }
  if (o.kind === 'NetworkPolicy') {
    const spec = (o as { spec?: { policyTypes?: string[]; egress?: unknown[] } }).spec;
    // Policies add up: a tenant egress rule would reopen what the platform's baseline policy closes.
    if (spec?.policyTypes?.includes('Egress') || spec?.egress !== undefined) return 'has egress rules; egress of a slot is the platform baseline\'s';
  }
  return undefined;
}

/**
 * Refuses tenant manifests that would reach beyond their slot, before the first apply (pure): RoleBindings to
 * ClusterRoles (cluster-admin...) or to subjects other than the slot's own ServiceAccounts, Roles granting
 * `*`, escalate, bind or impersonate, objects named like or labelled as the platform's baseline, and
 * NetworkPolicies with egress rules. The apiserver and the deployer's admission policy refuse these too; this
 * check says why, names the file, and leaves nothing half applied.
 * @throws TenantPolicyError listing every refused object and its file.
 */
export function checkTenantPolicy(objects: readonly RenderedObject[], namespace: string, reserved: ReservedObjects): void {
  const refused: string[] = [];
  for (const { object, file } of objects) {
    const problem = problemOf(object, namespace, reserved);
    if (problem) refused.push(`${object.kind ?? ''}/${object.metadata?.name ?? ''} (${file}) ${problem}`);
  }
  if (refused.length > 0) throw new TenantPolicyError(`slot manifests may not reach beyond the slot; refused: ${refused.join('; ')}`);
}
