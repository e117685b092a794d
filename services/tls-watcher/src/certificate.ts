import { lookAgainIn } from '@codex-k8s/runtime';

/** What a cert-manager Certificate says about itself for one slot host (pure). */
export type CertificateState = { readonly state: 'ready' } | { readonly state: 'pending'; readonly reason: string; readonly message: string } | { readonly state: 'failed'; readonly reason: string; readonly message: string };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** The parts of a cert-manager Certificate the decision reads. */
export interface CertificateView {
  metadata?: { name?: string; generation?: number };
  spec?: { dnsNames?: string[] };
  status?: { conditions?: Condition[]; lastFailureTime?: string; notAfter?: string };
}

/**
 * Why a Ready certificate does not (yet) serve this slot: its dnsNames miss the host, its Ready condition was
 * observed for an older spec (issued before this deploy changed it), or it has expired. Undefined when it does.
 */
function readyProblem(cert: CertificateView, host: string, now: Date): { reason: string; message: string } | undefined {
  const names = cert.spec?.dnsNames ?? [];
  if (!names.includes(host)) return { reason: 'HostNotCovered', message: `the Certificate covers ${names.join(', ') || 'no DNS name'}, not ${host}` };
  const ready = cert.status?.conditions?.find((c) => c.type === 'Ready');
  const generation = cert.metadata?.generation;
  if (ready?.observedGeneration !== undefined && generation !== undefined && ready.observedGeneration !== generation) {
    return { reason: 'Stale', message: `Ready was observed for generation ${ready.observedGeneration}, the Certificate is at ${generation}` };
  }
  if (cert.status?.notAfter && Date.parse(cert.status.notAfter) <= now.getTime()) return { reason: 'Expired', message: `the certificate expired at ${cert.status.notAfter}` };
  return undefined;
}

/**
 * A slot's certificate is ready only when cert-manager says Ready=True for its current spec and that spec covers
 * the slot's host (a Ready certificate with the right name but other dnsNames is someone else's, or stale);
 * an issuance that cert-manager marked failed (Issuing=False with reason Failed, or a recorded lastFailureTime)
 * is failed with cert-manager's reason; anything else is pending with a reason for the timeout message.
 */
export function certificateState(cert: CertificateView | undefined, host: string, now: Date = new Date()): CertificateState {
  const conds = cert?.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (cert && ready?.status === 'True') {
    const problem = readyProblem(cert, host, now);
    return problem ? { state: 'pending', ...problem } : { state: 'ready' };
  }
  const issuing = conds.find((c) => c.type === 'Issuing');
  if ((issuing?.status === 'False' && issuing.reason === 'Failed') || cert?.status?.lastFailureTime) {
    return { state: 'failed', reason: issuing?.reason ?? ready?.reason ?? 'Failed', message: issuing?.message ?? ready?.message ?? 'issuance failed' };
  }
  if (!cert) return { state: 'pending', reason: 'NotCreated', message: 'the Certificate does not exist yet (ingress-shim creates it from the Ingress annotation)' };
  return { state: 'pending', reason: ready?.reason ?? 'Pending', message: ready?.message ?? 'waiting for issuance' };
}

/** What the watcher does with a certificate state now: publish, fail, or be called again. */
export type TlsStep = { readonly step: 'ready' } | { readonly step: 'fail'; readonly last: CertificateState } | { readonly step: 'wait'; readonly delayMs: number };

/**
 * The next step for a slot's certificate (pure): ready -> ready; failed -> fail; pending -> wait (a quarter of the time
 * pending so far, at most `pollMs`: lookAgainIn) while the
 * deadline (counted from when the deploy was announced, so restarts do not extend it) has not passed, else fail
 * with the last pending state as the cause.
 */
export function tlsStep(state: CertificateState, o: { now: Date; startedAt: Date; timeoutMs: number; pollMs: number }): TlsStep {
  if (state.state === 'ready') return { step: 'ready' };
  if (state.state === 'failed') return { step: 'fail', last: state };
  const left = o.startedAt.getTime() + o.timeoutMs - o.now.getTime();
  return left > 0 ? { step: 'wait', delayMs: Math.min(lookAgainIn(o.now.getTime() - o.startedAt.getTime(), o.pollMs), left) } : { step: 'fail', last: state };
}
