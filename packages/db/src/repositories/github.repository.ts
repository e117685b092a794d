import { sql, type Transaction } from 'kysely';
import type { Database, Db } from '../database.js';
import type { GithubCommentRow } from '../tables/github.table.js';

/** Where a comment goes: the issue, and the installation that may write to it (null: token or dry-run mode). */
export interface CommentTarget {
  readonly repositoryFullName: string;
  readonly issueNumber: number;
  readonly installationId: number | null;
}

/** What a run's status comment needs to know about the run beyond its events (read from `agent_runs`). */
export interface RunCommentTarget extends CommentTarget {
  readonly createdAt: Date;
  readonly triggerLabel: string | null;
  readonly runtimeMode: 'full-env' | 'code-only' | null;
  readonly runtimeDeploy: boolean;
}

/**
 * The issue a run reports to, with the App installation its delivery came through. Null for a run without an issue
 * (nothing to comment on) or an unknown run.
 */
export async function runCommentTarget(db: Db, runId: string): Promise<RunCommentTarget | null> {
  const row = await db
    .selectFrom('agent_runs')
    .select(['repository_full_name', 'issue_number', 'created_at', 'trigger_label', 'runtime_mode', 'runtime_deploy'])
    .select(sql<string | null>`run_payload->>'installation_id'`.as('installation_id'))
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!row || row.repository_full_name === null || row.issue_number === null) return null;
  const installation = row.installation_id === null ? null : Number(row.installation_id);
  return {
    repositoryFullName: row.repository_full_name,
    issueNumber: row.issue_number,
    installationId: installation !== null && Number.isSafeInteger(installation) && installation > 0 ? installation : null,
    createdAt: row.created_at,
    triggerLabel: row.trigger_label,
    runtimeMode: row.runtime_mode,
    runtimeDeploy: row.runtime_deploy,
  };
}

/**
 * Runs `fn` in a transaction holding the comment's advisory lock: the two replicas never build or send one comment
 * at once (which could create it twice). `fn` gets the row, created empty on first use.
 */
export async function withCommentRow<T>(db: Db, key: string, target: CommentTarget, fn: (trx: Transaction<Database>, row: GithubCommentRow) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // The transaction spans GitHub calls: a replica stuck behind another's lock gives up (and its message is
    // retried), and a connection left idle in it by a hung process is closed by the server, releasing the lock.
    await sql`set local lock_timeout = '60s'`.execute(trx);
    await sql`set local idle_in_transaction_session_timeout = '180s'`.execute(trx);
    await sql`select pg_advisory_xact_lock(hashtextextended(${`github-comment:${key}`}, 0))`.execute(trx);
    await trx
      .insertInto('github_comments')
      .values({ key, repository_full_name: target.repositoryFullName, issue_number: target.issueNumber, installation_id: target.installationId })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await trx.selectFrom('github_comments').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
    return fn(trx, row);
  });
}

/** Keeps what the comment should show now (phase and facts), sent or not. */
export async function saveCommentState(trx: Transaction<Database>, key: string, state: { phase: number; facts: unknown }): Promise<void> {
  await trx
    .updateTable('github_comments')
    .set({ phase: state.phase, facts: JSON.stringify(state.facts), updated_at: sql`now()` as never })
    .where('key', '=', key)
    .execute();
}

/** Records the body GitHub now has (its hash) and the comment it is in. */
export async function markCommentSent(trx: Transaction<Database>, key: string, sent: { commentId: number | null; commentUrl: string | null; sha256: string }): Promise<void> {
  await trx
    .updateTable('github_comments')
    .set({ comment_id: sent.commentId, comment_url: sent.commentUrl, sent_sha256: sent.sha256, sent_at: sql`now()` as never, updated_at: sql`now()` as never })
    .where('key', '=', key)
    .execute();
}

/** Which of these delivery ids the webhook inbox holds. */
export async function storedDeliveryIds(db: Db, deliveryIds: readonly string[]): Promise<Set<string>> {
  if (deliveryIds.length === 0) return new Set();
  const rows = await db.selectFrom('webhook_deliveries').select('delivery_id').where('delivery_id', 'in', [...new Set(deliveryIds)]).execute();
  return new Set(rows.map((r) => r.delivery_id));
}

/**
 * Counts one more redelivery request for a delivery, unless it already had `maxAttempts` or its last one was less
 * than `minIntervalMs` ago. Returns the attempt number (1-based) to make, or null to leave it. One statement: two
 * replicas never both claim the same attempt.
 */
export async function claimRedelivery(db: Db, d: { deliveryId: string; hookDeliveryId: number; maxAttempts: number; minIntervalMs: number }): Promise<number | null> {
  const row = await db
    .insertInto('github_redeliveries')
    .values({ delivery_id: d.deliveryId, hook_delivery_id: d.hookDeliveryId, attempts: 1, last_requested_at: sql`now()` as never })
    .onConflict((oc) =>
      oc
        .column('delivery_id')
        .doUpdateSet({ attempts: sql`github_redeliveries.attempts + 1`, hook_delivery_id: d.hookDeliveryId, last_requested_at: sql`now()` as never })
        .where(sql<boolean>`github_redeliveries.attempts < ${d.maxAttempts} and github_redeliveries.last_requested_at < now() - make_interval(secs => ${d.minIntervalMs / 1000})`),
    )
    .returning('attempts')
    .executeTakeFirst();
  return row ? row.attempts : null;
}

/** Gives back the last claimed attempt of a delivery whose redelivery request did not reach GitHub. */
export async function releaseRedelivery(db: Db, deliveryId: string): Promise<void> {
  await db
    .updateTable('github_redeliveries')
    .set({ attempts: sql`attempts - 1`, last_requested_at: sql`'-infinity'::timestamptz` as never })
    .where('delivery_id', '=', deliveryId)
    .where('attempts', '>', 0)
    .execute();
}

/** Until when (epoch ms) a rate limit of `scope` lasts, as any replica last learned it; 0 when none is known. */
export async function rateLimitedUntil(db: Db, scope: string): Promise<number> {
  const row = await db.selectFrom('github_rate_limits').select('limited_until').where('scope', '=', scope).executeTakeFirst();
  return row ? row.limited_until.getTime() : 0;
}

/** Records that `scope` is limited until `untilMs` (a later time already recorded is kept). */
export async function recordRateLimit(db: Db, scope: string, untilMs: number): Promise<void> {
  const until = new Date(untilMs);
  await db
    .insertInto('github_rate_limits')
    .values({ scope, limited_until: until })
    .onConflict((oc) => oc.column('scope').doUpdateSet({ limited_until: sql`greatest(github_rate_limits.limited_until, excluded.limited_until)` as never }))
    .execute();
}
