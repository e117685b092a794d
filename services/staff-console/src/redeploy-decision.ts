/** The facts a slot redeploy depends on. */
export interface RedeployFacts {
  readonly mayAct: boolean;
  readonly slot: { readonly state: 'free' | 'leased' | 'releasing'; readonly lease_owner: string | null; readonly lease_until: Date | null };
  /** The namespace of the slot's last successful deploy, or null when it never had one. */
  readonly deployedNamespace: string | null;
  readonly lastRedeploy: { readonly status: 'running' | 'succeeded' | 'failed' } | null;
  readonly now: Date;
}

/**
 * Whether a slot may be redeployed now, and why not (pure; the slots page shows the reason, the API answers it with
 * 403/409): only by project admins, only a slot with a deploy to repeat, not while a run (or a redeploy) holds it.
 */
export function redeployAvailability(f: RedeployFacts): { allowed: true; reason: null } | { allowed: false; status: 403 | 409; reason: string } {
  if (!f.mayAct) return { allowed: false, status: 403, reason: 'only project admins may redeploy slots' };
  if (!f.deployedNamespace) return { allowed: false, status: 409, reason: 'the slot was never deployed: nothing to redeploy' };
  if (f.lastRedeploy?.status === 'running') return { allowed: false, status: 409, reason: 'a redeploy of this slot is running' };
  const held = f.slot.state !== 'free' && f.slot.lease_until !== null && f.slot.lease_until.getTime() > f.now.getTime();
  if (held) return { allowed: false, status: 409, reason: `the slot is leased by ${f.slot.lease_owner?.startsWith('redeploy/') ? 'a redeploy' : `run ${f.slot.lease_owner ?? '?'}`}: wait for it to end (or cancel the run)` };
  return { allowed: true, reason: null };
}
