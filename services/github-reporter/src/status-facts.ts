import { StatusPhase } from '@codex-k8s/contracts';
import { z } from 'zod';

// What a run's status comment shows, kept per run in github_comments.facts and merged event by event. Merging is
// idempotent and order-free: the phase only moves forward, maps are keyed (status lines by seq, artifacts by name),
// the run's end is kept once. A redelivered or late event therefore changes nothing or adds only what it knows.

/** Status lines and artifacts kept (the newest by seq / the first by name): a comment stays small. */
export const MAX_STATUS_LINES = 8;
export const MAX_ARTIFACTS = 20;

const Text = (max: number) => z.string().max(max);

/** The longest text kept per fact (the events' own bounds are larger for some; longer text is clipped first). */
export const FACT_LIMITS = { reason: 500, error: 4_000, tls: 1_000, url: 2_048 } as const;

/** How the run ended, as its terminal event said. */
export const RunEnd = z.object({
  status: z.enum(['succeeded', 'failed', 'canceled']),
  event_type: Text(64),
  reason: Text(FACT_LIMITS.reason).nullable(),
  error: Text(FACT_LIMITS.error).nullable(),
  ended_at: z.iso.datetime({ offset: true }),
});
export type RunEnd = z.infer<typeof RunEnd>;

/** Stored facts; unknown or malformed stored values are dropped (schema `.catch`), never trusted. */
export const StatusFacts = z.object({
  /** Every phase an event proved (a run that ends early skips some; the headline follows the furthest). */
  reached: z.array(StatusPhase).catch([]).default([]),
  namespace: Text(253).nullable().catch(null).default(null),
  slot_no: z.number().int().nullable().catch(null).default(null),
  public_url: Text(FACT_LIMITS.url).nullable().catch(null).default(null),
  tls_failure: Text(FACT_LIMITS.tls).nullable().catch(null).default(null),
  status_lines: z.record(z.string().regex(/^\d{1,10}$/), Text(2_000)).catch({}).default({}),
  artifacts: z.record(Text(200), z.object({ kind: Text(32), url: Text(2_048).nullable() })).catch({}).default({}),
  pull_request: z.object({ url: Text(2_048), number: z.number().int().positive(), title: Text(500).nullable() }).nullable().catch(null).default(null),
  agent_summary: Text(8_000).nullable().catch(null).default(null),
  agent_exit_code: z.number().int().nullable().catch(null).default(null),
  end: RunEnd.nullable().catch(null).default(null),
  cleanup: z.enum(['namespace_deleted', 'slot_released']).nullable().catch(null).default(null),
});
export type StatusFacts = z.infer<typeof StatusFacts>;

export const EMPTY_FACTS: StatusFacts = StatusFacts.parse({});

/** One event's contribution: the phase it proves was reached, and what it adds to the facts. */
export interface StatusUpdate {
  readonly phase: StatusPhase;
  readonly facts: Partial<Omit<StatusFacts, 'reached'>>;
}

export const PHASE_ORDER: readonly StatusPhase[] = StatusPhase.options;
export const phaseRank = (p: StatusPhase): number => PHASE_ORDER.indexOf(p);
export const phaseAt = (rank: number): StatusPhase => PHASE_ORDER[Math.max(0, Math.min(rank, PHASE_ORDER.length - 1))] ?? 'accepted';

const newestKeys = (rec: Record<string, string>, max: number): Record<string, string> =>
  Object.fromEntries(
    Object.entries(rec)
      .sort((a, b) => Number(b[0]) - Number(a[0]))
      .slice(0, max),
  );

/** Merges one event's update into the stored state (pure; the result never loses a phase or a fact). */
export function mergeStatus(state: { phase: number; facts: StatusFacts }, update: StatusUpdate): { phase: number; facts: StatusFacts } {
  const f = state.facts;
  const u = update.facts;
  // A Map, not an object: an artifact may be called `__proto__` or `constructor`.
  const artifacts = new Map(Object.entries(f.artifacts));
  for (const [name, a] of Object.entries(u.artifacts ?? {})) {
    if (artifacts.has(name) || artifacts.size < MAX_ARTIFACTS) artifacts.set(name, a);
  }
  return {
    phase: Math.max(state.phase, phaseRank(update.phase)),
    facts: {
      reached: PHASE_ORDER.filter((p) => p === update.phase || f.reached.includes(p)),
      namespace: u.namespace ?? f.namespace,
      slot_no: u.slot_no ?? f.slot_no,
      public_url: u.public_url ?? f.public_url,
      tls_failure: u.tls_failure ?? f.tls_failure,
      status_lines: newestKeys({ ...f.status_lines, ...u.status_lines }, MAX_STATUS_LINES),
      artifacts: Object.fromEntries(artifacts),
      pull_request: u.pull_request ?? f.pull_request,
      agent_summary: u.agent_summary ?? f.agent_summary,
      agent_exit_code: u.agent_exit_code ?? f.agent_exit_code,
      // A run ends once: the first end recorded stays.
      end: f.end ?? u.end ?? null,
      cleanup: f.cleanup ?? u.cleanup ?? null,
    },
  };
}

/** Reads stored facts, dropping anything that does not fit the schema (pure). */
export function parseFacts(stored: unknown): StatusFacts {
  const parsed = StatusFacts.safeParse(stored ?? {});
  return parsed.success ? parsed.data : EMPTY_FACTS;
}
