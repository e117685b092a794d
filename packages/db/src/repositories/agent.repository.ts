import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { AgentArtifactRow, AgentLogChunkRow, AgentReportRow, AgentTokenRow } from '../tables/agent.table.js';
import type { AgentRunRow } from '../tables/platform.table.js';

/**
 * What is stored of a run token and looked up by: its SHA-256 (a token has 256 random bits, so no slow hash is
 * needed). Pure.
 */
export function agentTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The run a token acts for, as the gateway checks it on every request. */
export interface AgentIdentity {
  readonly run_id: string;
  readonly token_id: string;
  readonly expires_at: Date;
  readonly revoked_at: Date | null;
  readonly status: AgentRunRow['status'];
  readonly project_id: string | null;
  readonly runtime_mode: AgentRunRow['runtime_mode'];
  readonly namespace: string | null;
  readonly correlation_id: string;
}

/** The run of a token hash with its state, or undefined for a token nobody issued (or one replaced by a re-issue). */
export async function findAgentByTokenHash(db: Db, hash: Buffer): Promise<AgentIdentity | undefined> {
  return db
    .selectFrom('agent_tokens as t')
    .innerJoin('agent_runs as r', 'r.id', 't.run_id')
    .select(['t.run_id', 't.token_id', 't.expires_at', 't.revoked_at', 'r.status', 'r.project_id', 'r.runtime_mode', 'r.namespace', 'r.correlation_id'])
    .where('t.token_hash', '=', hash)
    .executeTakeFirst();
}

/**
 * Stores a run's (new) token hash and, while holding the run's token lock, puts the token where the agent reads it
 * (`place`: the Secret). Two launches of one run (replicas, a redelivery) are serialized, so the hash stored last is
 * the token placed last: they never disagree. A re-issue replaces the hash and clears a revocation, keeping the
 * usage counters. If `place` throws, nothing is stored.
 */
export async function issueAgentToken(db: Db, t: { runId: string; hash: Buffer; tokenId: string; expiresAt: Date; jobUid: string }, place: () => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`agent-token:${t.runId}`}, 0))`.execute(trx);
    await trx
      .insertInto('agent_tokens')
      .values({ run_id: t.runId, token_hash: t.hash, token_id: t.tokenId, expires_at: t.expiresAt, job_uid: t.jobUid })
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ token_hash: t.hash, token_id: t.tokenId, expires_at: t.expiresAt, job_uid: t.jobUid, issued_at: new Date(), revoked_at: null as never }))
      .execute();
    await place();
  });
}

/** The run's token record without its hash (which Job it was placed for, when it expires), if one was issued. */
export async function agentTokenOf(db: Db, runId: string): Promise<Omit<AgentTokenRow, 'token_hash'> | undefined> {
  return db.selectFrom('agent_tokens').select(['run_id', 'token_id', 'job_uid', 'issued_at', 'expires_at', 'revoked_at', 'log_bytes', 'artifact_bytes']).where('run_id', '=', runId).executeTakeFirst();
}

/** Revokes the run's token; returns its token id, and whether this call revoked it (false: already revoked). */
export async function revokeAgentToken(db: Db, runId: string): Promise<{ tokenId: string; revokedNow: boolean } | undefined> {
  const now = await db.updateTable('agent_tokens').set({ revoked_at: new Date() }).where('run_id', '=', runId).where('revoked_at', 'is', null).returning('token_id').executeTakeFirst();
  if (now) return { tokenId: now.token_id, revokedNow: true };
  const before = await db.selectFrom('agent_tokens').select('token_id').where('run_id', '=', runId).executeTakeFirst();
  return before ? { tokenId: before.token_id, revokedNow: false } : undefined;
}

/** What storing an agent's report, chunk or artifact did. `conflict`: the same key with other content exists. */
export type StoreOutcome = 'stored' | 'duplicate' | 'conflict' | 'over_quota';

type NewReport = Omit<AgentReportRow, 'received_at'>;

/**
 * Stores a report once per (run, type, seq). The same report again is a `duplicate`; another one under the same key
 * (a second `finished` with another exit code, a status line number reused for another text) is a `conflict`.
 */
export async function recordAgentReport(db: Db, r: NewReport): Promise<StoreOutcome> {
  const row = await db.insertInto('agent_reports').values(r).onConflict((oc) => oc.columns(['run_id', 'type', 'seq']).doNothing()).returning('seq').executeTakeFirst();
  if (row) return 'stored';
  const had = await db.selectFrom('agent_reports').selectAll().where('run_id', '=', r.run_id).where('type', '=', r.type).where('seq', '=', r.seq).executeTakeFirst();
  return had && had.message === r.message && had.exit_code === r.exit_code && had.summary === r.summary ? 'duplicate' : 'conflict';
}

/** The agent's `finished` report of a run, if it sent one. */
export async function agentFinishOf(db: Db, runId: string): Promise<Pick<AgentReportRow, 'exit_code' | 'summary' | 'received_at'> | undefined> {
  return db.selectFrom('agent_reports').select(['exit_code', 'summary', 'received_at']).where('run_id', '=', runId).where('type', '=', 'finished').executeTakeFirst();
}

/** A column of a row stored by storeCharged, with its SQL type (parameters in an INSERT ... SELECT need one). */
type Typed = readonly [value: unknown, type: 'uuid' | 'integer' | 'text' | 'bytea'];

/**
 * Inserts a row once per key and charges `bytes` to the run's counter on `agent_tokens` unless that would pass `max`,
 * in one statement (one round trip): the token row is locked first (`for update`), so concurrent writes of one run
 * (two gateway replicas) are charged one after the other and the quota holds exactly; a row already there (a
 * retry) is neither inserted nor charged. Returns `stored`, or `not_stored` with whether the quota had room for it.
 */
async function storeCharged(db: Db, o: { table: 'agent_log_chunks' | 'agent_artifacts'; row: Readonly<Record<string, Typed>>; key: readonly string[]; counter: 'log_bytes' | 'artifact_bytes'; runId: string; bytes: number; max: number }): Promise<{ stored: boolean; room: boolean }> {
  const cols = Object.keys(o.row);
  const values = cols.map((c) => {
    const [v, type] = o.row[c] as Typed;
    return sql`cast(${v} as ${sql.raw(type)})`;
  });
  const counter = sql.ref(o.counter);
  const res = await sql<{ inserted: number; room: boolean | null }>`
    with tok as (select ${counter} as used from agent_tokens where run_id = ${o.runId} for update),
    ins as (
      insert into ${sql.table(o.table)} (${sql.join(cols.map((c) => sql.ref(c)))})
      select ${sql.join(values)} from tok where tok.used + ${o.bytes} <= ${o.max}
      on conflict (${sql.join(o.key.map((c) => sql.ref(c)))}) do nothing
      returning 1
    ),
    upd as (update agent_tokens set ${counter} = ${counter} + ${o.bytes} where run_id = ${o.runId} and exists (select 1 from ins) returning 1)
    select (select count(*) from ins)::int as inserted, (select count(*) from upd)::int as charged, (select used + ${o.bytes} <= ${o.max} from tok) as room
  `.execute(db);
  const r = res.rows[0];
  return { stored: Boolean(r?.inserted), room: r?.room !== false };
}

/** Stores one log chunk once per (run, seq), within the run's log quota (`maxRunBytes`). */
export async function appendLogChunk(db: Db, c: Omit<AgentLogChunkRow, 'received_at'>, maxRunBytes: number): Promise<StoreOutcome> {
  const row = { run_id: [c.run_id, 'uuid'], seq: [c.seq, 'integer'], stream: [c.stream, 'text'], text: [c.text, 'text'], bytes: [c.bytes, 'integer'] } as const;
  const r = await storeCharged(db, { table: 'agent_log_chunks', row, key: ['run_id', 'seq'], counter: 'log_bytes', runId: c.run_id, bytes: c.bytes, max: maxRunBytes });
  if (r.stored) return 'stored';
  // Not stored: the same key was there (a retry, or other text under a used seq), or there was no room.
  const had = await db.selectFrom('agent_log_chunks').select(['stream', 'text']).where('run_id', '=', c.run_id).where('seq', '=', c.seq).executeTakeFirst();
  if (had) return had.stream === c.stream && had.text === c.text ? 'duplicate' : 'conflict';
  // No room, or no token row to charge (a run nothing was issued for: refused as a conflict).
  return r.room ? 'conflict' : 'over_quota';
}

type NewArtifact = Omit<AgentArtifactRow, 'created_at'>;

const sameArtifact = (a: Omit<NewArtifact, 'content'>, b: Omit<NewArtifact, 'content'>): boolean =>
  a.kind === b.kind &&
  a.size_bytes === b.size_bytes &&
  (a.sha256 === null ? b.sha256 === null : b.sha256 !== null && a.sha256.equals(b.sha256)) &&
  a.content_type === b.content_type &&
  a.url === b.url &&
  a.number === b.number &&
  a.branch === b.branch &&
  a.title === b.title;

/** Stores an artifact once per (run, name), within the run's artifact quota (`maxRunBytes`). */
export async function addArtifact(db: Db, a: NewArtifact, maxRunBytes: number): Promise<StoreOutcome> {
  const row = {
    run_id: [a.run_id, 'uuid'],
    name: [a.name, 'text'],
    kind: [a.kind, 'text'],
    content_type: [a.content_type, 'text'],
    size_bytes: [a.size_bytes, 'integer'],
    sha256: [a.sha256, 'bytea'],
    content: [a.content, 'bytea'],
    url: [a.url, 'text'],
    number: [a.number, 'integer'],
    branch: [a.branch, 'text'],
    title: [a.title, 'text'],
  } as const;
  const r = await storeCharged(db, { table: 'agent_artifacts', row, key: ['run_id', 'name'], counter: 'artifact_bytes', runId: a.run_id, bytes: a.size_bytes, max: maxRunBytes });
  if (r.stored) return 'stored';
  const had = await db
    .selectFrom('agent_artifacts')
    .select(['run_id', 'name', 'kind', 'size_bytes', 'sha256', 'content_type', 'url', 'number', 'branch', 'title'])
    .where('run_id', '=', a.run_id)
    .where('name', '=', a.name)
    .executeTakeFirst();
  if (had) return sameArtifact(had, a) ? 'duplicate' : 'conflict';
  return r.room ? 'conflict' : 'over_quota';
}

/** A run's artifacts without their content, in the order they were added. */
export async function listArtifacts(db: Db, runId: string): Promise<Omit<AgentArtifactRow, 'content'>[]> {
  return db
    .selectFrom('agent_artifacts')
    .select(['run_id', 'name', 'kind', 'content_type', 'size_bytes', 'sha256', 'url', 'number', 'branch', 'title', 'created_at'])
    .where('run_id', '=', runId)
    .orderBy('created_at')
    .orderBy('name')
    .execute();
}

/** One artifact with its content. */
export async function getArtifact(db: Db, runId: string, name: string): Promise<AgentArtifactRow | undefined> {
  return db.selectFrom('agent_artifacts').selectAll().where('run_id', '=', runId).where('name', '=', name).executeTakeFirst();
}

/** A run's stored log chunks in sequence order (`afterSeq` pages on; at most `limit`). */
export async function listLogChunks(db: Db, runId: string, opts: { afterSeq?: number; limit?: number } = {}): Promise<AgentLogChunkRow[]> {
  return db
    .selectFrom('agent_log_chunks')
    .selectAll()
    .where('run_id', '=', runId)
    .where('seq', '>', opts.afterSeq ?? -1)
    .orderBy('seq')
    .limit(opts.limit ?? 10_000)
    .execute();
}

/** The end of a run's stored log (its last chunks in order, joined), at most `maxChars` characters; '' when none. */
export async function agentLogTail(db: Db, runId: string, maxChars: number): Promise<string> {
  const rows = await db.selectFrom('agent_log_chunks').select(['text']).where('run_id', '=', runId).orderBy('seq', 'desc').limit(200).execute();
  let out = '';
  for (const r of rows) {
    out = r.text + out;
    if (out.length >= maxChars) break;
  }
  return out.slice(-maxChars);
}

/** Deletes log chunks received before `before`, at most `limit` per call (the caller repeats); returns how many. */
export async function purgeLogChunks(db: Db, before: Date, limit: number): Promise<number> {
  const res = await sql`delete from agent_log_chunks where ctid in (select ctid from agent_log_chunks where received_at < ${before} limit ${limit})`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}
