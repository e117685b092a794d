import { isNotFound, type ObjectApplier } from '@codex-k8s/kube';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RenderedObject } from './manifests.js';
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

export interface ApplyDeps {
  readonly applier: ObjectApplier;
  readonly fieldManager: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ref = (o: KubernetesObject) => ({ apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', metadata: { name: o.metadata?.name ?? '', namespace: o.metadata?.namespace ?? '' } });

/** Jobs are immutable: the existing one is deleted (and gone) before the new one is applied. */
async function replaceJob(deps: ApplyDeps, o: KubernetesObject): Promise<void> {
  await deps.applier.delete(ref(o), undefined, undefined, undefined, undefined, 'Foreground').catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  const deadline = Date.now() + deps.timeoutMs;
  while (Date.now() < deadline) {
    const gone = await deps.applier.read(ref(o)).then(() => false, (err: unknown) => (isNotFound(err) ? true : Promise.reject(err)));
    if (gone) return;
    await sleep(deps.pollMs);
  }
  throw new Error(`Job ${o.metadata?.name ?? ''} in ${o.metadata?.namespace ?? ''}: the previous Job was not deleted within ${deps.timeoutMs / 1000}s`);
}

/** Waits until the object is ready (readinessOf), failing early on a failed Job and naming what was awaited. */
async function waitReady(deps: ApplyDeps, o: KubernetesObject): Promise<void> {
  const deadline = Date.now() + deps.timeoutMs;
  let awaiting = 'to exist';
  while (Date.now() < deadline) {
    const live = await deps.applier.read(ref(o)).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (live) {
      const r = readinessOf(live as never);
      if (r.state === 'ready') return;
      if (r.state === 'failed') throw new UnitError(`${o.kind ?? ''}/${o.metadata?.name ?? ''} in ${o.metadata?.namespace ?? ''}: ${r.condition}`);
      awaiting = r.condition;
    }
    await sleep(deps.pollMs);
  }
  throw new UnitError(`${o.kind ?? ''}/${o.metadata?.name ?? ''} in ${o.metadata?.namespace ?? ''} not ready after ${Math.round(deps.timeoutMs / 1000)}s: waiting for ${awaiting}`);
}

/**
 * Applies one unit into the slot namespace: every object forced into `namespace`, server-side applied with the
 * deployer's field manager (Jobs replaced), then waited for in order.
 */
export async function applyUnit(deps: ApplyDeps, objects: readonly RenderedObject[], namespace: string): Promise<void> {
  const placed = objects.map(({ object }) => ({ ...object, metadata: { ...object.metadata, namespace } }));
  for (const o of placed) {
    if (o.kind === 'Job' && o.apiVersion === 'batch/v1') await replaceJob(deps, o);
    await deps.applier.apply(o, deps.fieldManager);
  }
  for (const o of placed) await waitReady(deps, o);
}
