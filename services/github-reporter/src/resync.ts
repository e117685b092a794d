import { GithubName, WebhookRedeliveryRequestedV1, deterministicId } from '@codex-k8s/contracts';
import { claimRedelivery, releaseRedelivery, storedDeliveryIds, tryAcquireLease } from '@codex-k8s/db';
import { TerminalError, errorMessage, startPeriodic, type Periodic } from '@codex-k8s/runtime';
import { safeId } from './comments.js';
import type { ReporterDeps } from './deps.js';
import type { GithubClient } from './github-client.js';
import { nextCursor, redeliveryCandidates, type HookDelivery } from './redelivery.js';

const RESYNC_LEASE = 'github-reporter-resync';

/** Calls GitHub as the App (the client's `withApp`). */
type AppCaller = NonNullable<GithubClient['withApp']>;

/** Settings of the resync (from the service config). */
export interface ResyncSettings {
  readonly intervalMs: number;
  readonly lookbackMs: number;
  readonly minAgeMs: number;
  readonly maxPages: number;
  readonly maxRequests: number;
  readonly maxAttempts: number;
  /** This replica, for the lease only one replica holds. */
  readonly holder: string;
}

/** What one pass did. */
export interface ResyncResult {
  readonly listed: number;
  readonly missing: number;
  readonly requested: number;
}

async function listRecent(app: AppCaller, s: ResyncSettings, nowMs: number): Promise<HookDelivery[]> {
  const out: HookDelivery[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < s.maxPages; page++) {
    const pageCursor = cursor;
    const res = await app((api) => api.request('GET /app/hook/deliveries', { per_page: 100, ...(pageCursor ? { cursor: pageCursor } : {}) }));
    for (const d of res.data) {
      out.push({ id: safeId(d.id), guid: d.guid, delivered_at: d.delivered_at, status_code: d.status_code, event: d.event, action: d.action });
    }
    // Newest first: once a page reaches past the lookback, older pages cannot matter.
    const oldest = res.data.at(-1);
    if (!oldest || nowMs - Date.parse(oldest.delivered_at) > s.lookbackMs) break;
    cursor = nextCursor(res.headers.link);
    if (!cursor) break;
  }
  return out;
}

/**
 * One resync pass: lists the App's recent deliveries (newest first, bounded pages), finds the GUIDs the inbox never
 * stored, and for each (bounded per pass and per delivery, one claim per attempt in the database, so two replicas
 * never ask twice) asks GitHub to send it again and records `webhook.redelivery_requested`. The redelivered copy
 * arrives at the ingress like any delivery; its inbox keeps one per GUID, so a run starts once.
 */
export async function resyncOnce(deps: ReporterDeps & { app: AppCaller }, s: ResyncSettings, nowMs = Date.now()): Promise<ResyncResult> {
  const deliveries = await listRecent(deps.app, s, nowMs);
  const stored = await storedDeliveryIds(deps.db, deliveries.map((d) => d.guid));
  const missing = redeliveryCandidates(deliveries, stored, { nowMs, minAgeMs: s.minAgeMs, lookbackMs: s.lookbackMs });
  let requested = 0;
  let tried = 0;
  for (const d of missing) {
    // The budget counts attempts, not successes: a pass never walks hundreds of deliveries against a failing GitHub.
    if (tried >= s.maxRequests) break;
    const attempt = await claimRedelivery(deps.db, { deliveryId: d.guid, hookDeliveryId: d.id, maxAttempts: s.maxAttempts, minIntervalMs: s.intervalMs });
    if (attempt === null) continue;
    tried++;
    try {
      await deps.app((api) => api.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: d.id }));
    } catch (err) {
      if (err instanceof TerminalError) {
        // GitHub will not redeliver this one (gone, refused): the attempt counts, the others go on.
        deps.log.warn({ delivery: d.guid, hook_delivery: d.id, attempt, err: errorMessage(err) }, 'GitHub refused to redeliver a delivery');
        continue;
      }
      // GitHub unreachable, failing or rate limited: the attempt is given back and the pass ends; the next retries.
      await releaseRedelivery(deps.db, d.guid);
      throw err;
    }
    requested++;
    await deps.bus.publish(WebhookRedeliveryRequestedV1, {
      id: deterministicId(WebhookRedeliveryRequestedV1.type, d.guid, attempt),
      correlationId: d.guid,
      subject: `delivery/${d.guid}`,
      data: { delivery_id: d.guid, hook_delivery_id: d.id, event_type: d.event.slice(0, 64), action: printableOrNull(d.action), delivered_at: new Date(Date.parse(d.delivered_at)).toISOString(), status_code: d.status_code, attempt },
    });
    deps.log.info({ delivery: d.guid, hook_delivery: d.id, status_code: d.status_code, attempt }, 'asked GitHub to redeliver a delivery the inbox never stored');
  }
  return { listed: deliveries.length, missing: missing.length, requested };
}

/** GitHub's action as the event's schema allows it (a printable name of 1..255 characters), else null. */
const printableOrNull = (s: string | null): string | null => (s !== null && GithubName(255).safeParse(s).success ? s : null);

/** Runs resyncOnce every `intervalMs` on the replica holding the resync lease. */
export function startResync(deps: ReporterDeps & { app: AppCaller }, s: ResyncSettings): Periodic {
  return startPeriodic(
    s.intervalMs,
    async () => {
      if (!(await tryAcquireLease(deps.db, { name: RESYNC_LEASE, holder: s.holder, ttlMs: s.intervalMs * 3 }))) return;
      const r = await resyncOnce(deps, s);
      if (r.missing > 0) deps.log.info(r, 'delivery resync done');
    },
    (err) => deps.log.warn({ err: errorMessage(err) }, 'delivery resync failed; the next pass retries'),
  );
}
