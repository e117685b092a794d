/** Where an applied object is on its way to ready (reference 2.7). */
export type Readiness = { readonly state: 'ready' } | { readonly state: 'waiting'; readonly condition: string } | { readonly state: 'failed'; readonly condition: string };

type Obj = {
  kind?: string;
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
};

const cond = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * Readiness of one object (pure): Deployment available with all replicas updated, StatefulSet and DaemonSet
 * ready, Job Complete (Failed is an error); other kinds are ready once applied. The condition text says what
 * is awaited, for timeout errors.
 */
export function readinessOf(o: Obj): Readiness {
  const want = o.spec?.replicas ?? 1;
  const s = o.status ?? {};
  switch (o.kind) {
    case 'Deployment': {
      const ok = num(s.observedGeneration) >= num(o.metadata?.generation) && num(s.updatedReplicas) >= want && num(s.availableReplicas) >= want && Boolean(cond(o, 'Available'));
      return ok ? { state: 'ready' } : { state: 'waiting', condition: `Available=True with ${want} updated and available replicas (now ${num(s.availableReplicas)})` };
    }
    case 'StatefulSet':
      return num(s.readyReplicas) >= want ? { state: 'ready' } : { state: 'waiting', condition: `${want} ready replicas (now ${num(s.readyReplicas)})` };
    case 'DaemonSet': {
      const desired = num(s.desiredNumberScheduled);
      return desired > 0 && num(s.numberReady) >= desired ? { state: 'ready' } : { state: 'waiting', condition: `numberReady >= desiredNumberScheduled (${num(s.numberReady)}/${desired})` };
    }
    case 'Job': {
      if (cond(o, 'Complete')) return { state: 'ready' };
      const failed = cond(o, 'Failed');
      if (failed) return { state: 'failed', condition: `Job failed: ${[failed.reason, failed.message].filter(Boolean).join(': ')}` };
      return { state: 'waiting', condition: 'Complete=True' };
    }
    default:
      return { state: 'ready' };
  }
}
