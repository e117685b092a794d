import type { ColumnType, Selectable } from 'kysely';

/** A bigint id as pg returns it (a string); GitHub ids fit in Number.MAX_SAFE_INTEGER. */
type BigId = ColumnType<string | null, number | null | undefined, number | null>;

/** One comment the platform keeps on an issue (migration 0012): a run's status comment or a reply to a delivery. */
export interface GithubCommentsTable {
  key: string;
  repository_full_name: string;
  issue_number: number;
  installation_id: BigId;
  phase: ColumnType<number, number | undefined, number>;
  facts: ColumnType<unknown, string | undefined, string>;
  comment_id: BigId;
  comment_url: string | null;
  sent_sha256: string | null;
  sent_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}
export type GithubCommentRow = Selectable<GithubCommentsTable>;

/** A delivery the resync asked GitHub to send again (migration 0012). */
export interface GithubRedeliveriesTable {
  delivery_id: string;
  hook_delivery_id: ColumnType<string, number, number>;
  attempts: number;
  last_requested_at: ColumnType<Date, Date, Date>;
}

/** Until when a GitHub rate limit lasts, per scope (`installation/<id>`, `app`, `token`) (migration 0012). */
export interface GithubRateLimitsTable {
  scope: string;
  limited_until: ColumnType<Date, Date, Date>;
}
