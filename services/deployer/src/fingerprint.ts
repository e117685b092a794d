import { createHash } from 'node:crypto';
import type { RenderedObject } from './manifests.js';

/**
 * The desired state of a slot as one hash: namespace and every rendered object in apply order. The same
 * services.yaml, manifests and variables give the same fingerprint, so a repeated reconcile can skip the apply
 * (Jobs are replaced on apply, which would otherwise change them). Pure.
 */
export function fingerprint(namespace: string, objects: readonly RenderedObject[]): string {
  const h = createHash('sha256').update(namespace);
  for (const o of objects) h.update('\u0000').update(o.unit).update('\u0000').update(JSON.stringify(o.object));
  return h.digest('hex');
}
