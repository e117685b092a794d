import { createHash } from 'node:crypto';
import { markCommentSent, type CommentTarget, type Database, type GithubCommentRow } from '@codex-k8s/db';
import type { Transaction } from 'kysely';
import type { CommentWriter, CommentWritten } from './comments.js';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The body a comment should have now, where it goes, and how to announce it once GitHub has it. */
export interface CommentSend {
  readonly key: string;
  readonly target: CommentTarget;
  readonly marker: string;
  readonly body: string;
  /** Publishes what was written, given the body's hash (before the commit: GitHub has the body now). */
  readonly announce: (written: CommentWritten, sha: string) => Promise<void>;
}

/**
 * Inside the comment's locked transaction (withCommentRow): sends `body` unless GitHub already has it (same hash),
 * announces it and records what GitHub has. Null when nothing was sent. A lost commit after the announce means one
 * more identical edit on the redelivery and the same event id again (deduplicated).
 */
export async function sendIfChanged(writer: CommentWriter, trx: Transaction<Database>, row: GithubCommentRow, s: CommentSend): Promise<CommentWritten | null> {
  const sha = sha256(s.body);
  if (row.sent_sha256 === sha) return null;
  const written = await writer.write({ ...s.target, commentId: row.comment_id === null ? null : Number(row.comment_id), marker: s.marker, body: s.body });
  await s.announce(written, sha);
  await markCommentSent(trx, s.key, { commentId: written.commentId, commentUrl: written.commentUrl, sha256: sha });
  return written;
}
