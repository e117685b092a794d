import type { RedeployFailureReason, SlotLeaseResult } from '@codex-k8s/db';

/** The slot lease owner of a staff redeploy: never a run id (a uuid), so no run's lease query ever matches it. Pure. */
export const redeployOwner = (redeployId: string): string => `redeploy/${redeployId}`;

/** What the database says about a redeploy request before the slot is touched. */
export interface RedeployStartFacts {
  /** The request's row, when an earlier delivery recorded it. */
  readonly row: { readonly status: 'running' | 'succeeded' | 'failed' } | undefined;
  /** The slot's last successful deploy (only read while the request has no row yet). */
  readonly lastDeploy: { readonly namespace: string } | undefined;
  /** The namespace the request names. */
  readonly namespace: string;
  readonly slotNo: number;
}

export type RedeployStart =
  /** Already ended: publish its recorded result again (same event id), change nothing. */
  | { readonly action: 'republish' }
  | { readonly action: 'refuse'; readonly reason: RedeployFailureReason; readonly error: string }
  /** Take (or renew) the slot's lease, then deploy. */
  | { readonly action: 'lease' };

/**
 * Where a redeploy request stands before the lease (pure): a recorded end is answered again; a running redeploy goes
 * on (its source was fixed when it started); a new one needs a successful deploy of the slot into the namespace the
 * request names (a slot deployed elsewhere since the console showed it is not redeployed into a stale namespace).
 */
export function redeployStart(f: RedeployStartFacts): RedeployStart {
  if (f.row && f.row.status !== 'running') return { action: 'republish' };
  if (f.row) return { action: 'lease' };
  if (!f.lastDeploy) return { action: 'refuse', reason: 'never_deployed', error: `slot ${f.slotNo} was never deployed: nothing to redeploy` };
  if (f.lastDeploy.namespace !== f.namespace) {
    return { action: 'refuse', reason: 'never_deployed', error: `slot ${f.slotNo} was last deployed into ${f.lastDeploy.namespace}, not ${f.namespace}: nothing to redeploy there` };
  }
  return { action: 'lease' };
}

export type AfterLease =
  | { readonly action: 'deploy' }
  /** A new request that could not take the slot: recorded and answered as refused. */
  | { readonly action: 'refuse'; readonly reason: RedeployFailureReason; readonly error: string }
  /** A running redeploy whose lease someone else holds now (it expired): it ends failed, the slot stays theirs. */
  | { readonly action: 'lost'; readonly error: string };

/** Who holds a slot, in words (a run, or another redeploy). Pure. */
export function holderText(holder: string, until: Date | null): string {
  const who = holder.startsWith('redeploy/') ? `redeploy ${holder.slice('redeploy/'.length)}` : `run ${holder}`;
  return until ? `${who} until ${until.toISOString()}` : who;
}

/** What the lease attempt means for the request (pure). */
export function afterLease(lease: SlotLeaseResult, running: boolean, slotNo: number): AfterLease {
  if (lease.leased) return { action: 'deploy' };
  if (lease.holder === null) return running ? { action: 'lost', error: `slot ${slotNo} no longer exists` } : { action: 'refuse', reason: 'never_deployed', error: `slot ${slotNo} does not exist: nothing to redeploy` };
  const held = `slot ${slotNo} is leased by ${holderText(lease.holder, lease.until)}`;
  return running ? { action: 'lost', error: `${held}: the redeploy's lease expired and was taken over` } : { action: 'refuse', reason: 'slot_leased', error: `${held}: wait for it to end` };
}
