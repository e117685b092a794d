import { createHash } from 'node:crypto';
import type { RenderedObject } from './manifests.js';

/**
 * The desired state of a slot as one hash: namespace and every rendered object in apply order. The same
 * services.yaml, manifests and variables give the same fingerprint, so a repeated reconcile can skip the apply
 * (Jobs are replaced on apply, which would otherwise change them). A `salt` (a staff redeploy's id) makes the same
 * desired state hash differently, so nothing matches an earlier deploy and every unit is applied again; without one
 * the hash is exactly what it always was, so run deploys keep comparing with the fingerprints already stored. Pure.
 */
export function fingerprint(namespace: string, objects: readonly RenderedObject[], salt?: string): string {
  const h = createHash('sha256').update(namespace);
  for (const o of objects) h.update('\u0000').update(o.unit).update('\u0000').update(JSON.stringify(o.object));
  if (salt !== undefined) h.update('\u0000salt\u0000').update(salt);
  return h.digest('hex');
}
