/** What a cert-manager Certificate says about itself (pure). */
export type CertificateState = { readonly state: 'ready' } | { readonly state: 'pending'; readonly reason: string; readonly message: string } | { readonly state: 'failed'; readonly reason: string; readonly message: string };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/**
 * Ready=True is ready; an issuance that cert-manager marked failed (Issuing=False with reason Failed, or a
 * recorded lastFailureTime) is failed with cert-manager's reason; anything else is pending with the Ready
 * condition's reason (e.g. DoesNotExist, InProgress) for the timeout message.
 */
export function certificateState(cert: { status?: { conditions?: Condition[]; lastFailureTime?: string } } | undefined): CertificateState {
  const conds = cert?.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return { state: 'ready' };
  const issuing = conds.find((c) => c.type === 'Issuing');
  if ((issuing?.status === 'False' && issuing.reason === 'Failed') || cert?.status?.lastFailureTime) {
    return { state: 'failed', reason: issuing?.reason ?? ready?.reason ?? 'Failed', message: issuing?.message ?? ready?.message ?? 'issuance failed' };
  }
  if (!cert) return { state: 'pending', reason: 'NotCreated', message: 'the Certificate does not exist yet (ingress-shim creates it from the Ingress annotation)' };
  return { state: 'pending', reason: ready?.reason ?? 'Pending', message: ready?.message ?? 'waiting for issuance' };
}
