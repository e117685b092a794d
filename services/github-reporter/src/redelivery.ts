// Which of the App's recent webhook deliveries the platform never stored (pure). GitHub does not retry a failed
// delivery by itself; the resync asks for these again.

/** One attempt as GET /app/hook/deliveries lists it (the fields the decision reads). */
export interface HookDelivery {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
  readonly status_code: number;
  readonly event: string;
  readonly action: string | null;
}

/**
 * The deliveries whose GUID the inbox does not hold, one per GUID (its newest attempt, whose id GitHub is asked to
 * send again), oldest first; attempts younger than `minAgeMs` leave their GUID alone (the ingress may still be
 * answering it), as do GUIDs older than `lookbackMs`. Pure.
 */
export function redeliveryCandidates(deliveries: readonly HookDelivery[], stored: ReadonlySet<string>, o: { nowMs: number; minAgeMs: number; lookbackMs: number }): HookDelivery[] {
  const newest = new Map<string, HookDelivery>();
  const tooYoung = new Set<string>();
  for (const d of deliveries) {
    const at = Date.parse(d.delivered_at);
    if (!Number.isFinite(at)) continue;
    if (o.nowMs - at < o.minAgeMs) tooYoung.add(d.guid);
    const seen = newest.get(d.guid);
    if (!seen || Date.parse(seen.delivered_at) < at || (Date.parse(seen.delivered_at) === at && seen.id < d.id)) newest.set(d.guid, d);
  }
  return [...newest.values()]
    .filter((d) => !stored.has(d.guid) && !tooYoung.has(d.guid) && o.nowMs - Date.parse(d.delivered_at) <= o.lookbackMs)
    .sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id);
}

/** The `cursor` of the `rel="next"` link in a Link header, or null on the last page. Pure. */
export function nextCursor(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (!m?.[1]) continue;
    try {
      return new URL(m[1]).searchParams.get('cursor');
    } catch {
      return null;
    }
  }
  return null;
}
