import { orUndefinedIfNotFound, type ObjectApplier } from '@codex-k8s/kube';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RenderedObject } from './manifests.js';
import { podFailureOf, type PodJudgement, type PodReader } from './pod-failure.js';
import { readinessOf } from './readiness.js';

/** A manifest that would create or change a cluster-scoped object: refused in slot mode, before anything is applied. */
export class ClusterScopedError extends Error {
  override readonly name = 'ClusterScopedError';
}

/** A unit that cannot become ready by retrying: it failed, timed out, or its kind is not served. */
export class UnitError extends Error {
  override readonly name = 'UnitError';
}

/**
 * Resolves every object's scope through API discovery and refuses the deploy when any is cluster-scoped
 * (ClusterIssuer, ClusterRole, Namespace, CRD...) or not served at all. Runs before the first apply.
 */
export async function checkScopes(applier: ObjectApplier, objects: readonly RenderedObject[]): Promise<void> {
  const clusterScoped: string[] = [];
  for (const { object: o, file } of objects) {
    const namespaced = await applier.isNamespaced(o.apiVersion ?? '', o.kind ?? '');
    if (namespaced === undefined) throw new UnitError(`${file}: ${o.kind ?? ''} (${o.apiVersion ?? ''}) is not served by the cluster`);
    if (!namespaced) clusterScoped.push(`${o.kind ?? ''}/${o.metadata?.name ?? ''} (${file})`);
  }
  if (clusterScoped.length > 0) {
    throw new ClusterScopedError(`slot deploys never create or change cluster-scoped objects; refused: ${clusterScoped.join(', ')}. Cluster-wide objects (e.g. the ClusterIssuer) belong to bootstrap (deploy/).`);
  }
}

const ref = (o: KubernetesObject) => ({ apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', metadata: { name: o.metadata?.name ?? '', namespace: o.metadata?.namespace ?? '' } });
const label = (o: KubernetesObject) => `${o.kind ?? ''}/${o.metadata?.name ?? ''} in ${o.metadata?.namespace ?? ''}`;

/** Every object of a unit, forced into the slot namespace (a manifest never chooses its namespace). Pure. */
export function placeIn(objects: readonly RenderedObject[], namespace: string): KubernetesObject[] {
  return objects.map(({ object }) => ({ ...object, metadata: { ...object.metadata, namespace } }));
}

const isJob = (o: KubernetesObject): boolean => o.kind === 'Job' && o.apiVersion === 'batch/v1';

/**
 * Jobs are immutable, so a unit's previous Jobs go before its new ones are applied: asks for the deletion of each
 * that still exists (foreground, once: one already being deleted is left alone) and returns the names still present.
 * Never waits: the caller comes back later.
 */
export async function removePreviousJobs(applier: ObjectApplier, objects: readonly KubernetesObject[]): Promise<string[]> {
  const present: string[] = [];
  for (const o of objects.filter(isJob)) {
    const live = await orUndefinedIfNotFound(applier.read(ref(o)));
    if (!live) continue;
    present.push(label(o));
    if (live.metadata?.deletionTimestamp) continue;
    await orUndefinedIfNotFound(applier.delete(ref(o), undefined, undefined, undefined, undefined, 'Foreground'));
  }
  return present;
}

/** Server-side applies every object of a unit with the deployer's field manager (force: the deployer owns them). */
export async function applyObjects(applier: ObjectApplier, fieldManager: string, objects: readonly KubernetesObject[]): Promise<void> {
  for (const o of objects) await applier.apply(o, fieldManager);
}

/** Where a unit stands after one look at each of its objects. */
export type UnitState = { readonly ready: true } | { readonly ready: false; readonly awaiting: string };

/**
 * Looks once at every object of an applied unit (readinessOf): ready when all are, else what the first one not
 * ready is waiting for. Every workload not ready has its pods looked at too (podFailureOf), so an image that is not
 * there or a crash loop fails the unit at once instead of at the rollout timeout. Never waits.
 * @throws UnitError when an object failed (a failed Job) or one of its pods cannot get ready by waiting.
 */
export async function unitState(applier: ObjectApplier, objects: readonly KubernetesObject[], pods?: { reader: PodReader; judgement: PodJudgement }): Promise<UnitState> {
  let awaiting: string | undefined;
  for (const o of objects) {
    const live = await orUndefinedIfNotFound(applier.read(ref(o)));
    if (!live) {
      awaiting ??= `${label(o)} to exist`;
      continue;
    }
    const r = readinessOf(live as never);
    if (r.state === 'failed') throw new UnitError(`${label(o)}: ${r.condition}`);
    if (r.state === 'waiting') {
      const failure = pods ? await podFailureOf(pods.reader, live, pods.judgement) : undefined;
      if (failure) throw new UnitError(failure);
      awaiting ??= `${label(o)}: ${r.condition}`;
    }
  }
  return awaiting === undefined ? { ready: true } : { ready: false, awaiting };
}
