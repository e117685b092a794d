import { toDnsLabel } from '@codex-k8s/kube';

/**
 * Why a slot namespace resolved from a repository's services.yaml may not be used by a project, or undefined
 * when it may. The name comes from the tenant (`spec.project`, `namespaceTemplate`), so it is accepted only
 * inside the project's own prefix (`<slug>` or `<slug>-...`, the platform's project slug, not the repository's
 * claim) and never for the platform's or the cluster's own namespaces. Ownership itself is then recorded by the
 * platform (namespace_owners and the namespace's owner label): the prefix keeps names apart, the record decides.
 * Pure.
 */
export function slotNamespaceProblem(namespace: string, o: { projectSlug: string; platformNamespace: string }): string | undefined {
  const prefix = toDnsLabel(o.projectSlug, 'project');
  if (namespace === o.platformNamespace || namespace === 'default' || namespace.startsWith('kube-')) {
    return `slot namespace ${namespace} is reserved for the platform or the cluster`;
  }
  if (namespace !== prefix && !namespace.startsWith(`${prefix}-`)) {
    return `slot namespace ${namespace} is outside project ${o.projectSlug}'s namespaces (${prefix} or ${prefix}-*); services.yaml may not name another project's namespace`;
  }
  return undefined;
}
