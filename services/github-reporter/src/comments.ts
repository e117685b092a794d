import type { Logger } from '@codex-k8s/runtime';
import type { GithubApi, GithubClient } from './github-client.js';
import { statusOf } from './rate-limit.js';

/** Pages of 100 comments read when looking for a marker (an issue with more is very rare; then a new comment is made). */
const MAX_MARKER_PAGES = 10;

/** Where one comment lives and what it should say. */
export interface CommentWrite {
  readonly repositoryFullName: string;
  readonly issueNumber: number;
  readonly installationId: number | null;
  /** The comment this key already has, if the database knows it. */
  readonly commentId: number | null;
  /** The hidden marker the body starts with: finds the comment again when the database does not know it. */
  readonly marker: string;
  readonly body: string;
}

/** What GitHub now has. */
export interface CommentWritten {
  readonly commentId: number | null;
  readonly commentUrl: string | null;
  readonly action: 'created' | 'updated' | 'adopted_and_updated' | 'dry_run';
}

/** Creates or edits one comment; the dry-run writer only logs. */
export interface CommentWriter {
  readonly dryRun: boolean;
  /** Whether it can write for a delivery of this installation (an App needs one; a token or a dry run does not). */
  reaches(installationId: number | null): boolean;
  write(w: CommentWrite): Promise<CommentWritten>;
}

/** Splits `owner/repo` (the only shape a repository full name has). */
export function ownerRepo(fullName: string): { owner: string; repo: string } {
  const parts = fullName.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`not a repository full name: ${JSON.stringify(fullName.slice(0, 200))}`);
  return { owner: parts[0], repo: parts[1] };
}

interface IssueComment {
  readonly id: number | bigint;
  readonly html_url: string;
  readonly body?: string | null;
  readonly user: { readonly login: string } | null;
}

/** A repository as the comment calls address it. */
interface Repo {
  readonly api: GithubApi;
  readonly owner: string;
  readonly repo: string;
}

/**
 * The comment writer that talks to GitHub: edit the known comment; else adopt the one carrying the marker that the
 * platform's own identity wrote (a marker pasted by someone else is ignored); else create it. A known comment deleted
 * by a person (404) is created again.
 */
export function githubCommentWriter(client: GithubClient): CommentWriter {
  return {
    dryRun: false,
    reaches: (installationId) => client.withApp === null || installationId !== null,
    write: (w) =>
      client.withInstallation(w.installationId, async (api) => {
        const r: Repo = { api, ...ownerRepo(w.repositoryFullName) };
        if (w.commentId !== null) {
          const edited = await edit(r, w.commentId, w.body);
          if (edited) return { commentId: safeId(edited.id), commentUrl: edited.html_url, action: 'updated' };
        }
        const found = await findMarked(r, w.issueNumber, { marker: w.marker, author: await client.identity() });
        if (found) {
          const edited = await edit(r, safeId(found.id), w.body);
          if (edited) return { commentId: safeId(edited.id), commentUrl: edited.html_url, action: 'adopted_and_updated' };
        }
        // Never retried in place: a create whose answer was lost may have been carried out. The bus retries the
        // whole write instead, which finds that comment by its marker first.
        const created = await api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner: r.owner,
          repo: r.repo,
          issue_number: w.issueNumber,
          body: w.body,
          request: { retries: 0 },
        });
        return { commentId: safeId(created.data.id), commentUrl: created.data.html_url, action: 'created' };
      }),
  };
}

/** A GitHub id as a JavaScript number (ids are far below 2^53; a larger one would not be stored exactly). */
export function safeId(id: number | bigint): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`GitHub returned an id outside the safe integer range: ${String(id)}`);
  return n;
}

/** Edits a comment; null when it no longer exists. */
async function edit(r: Repo, commentId: number, body: string): Promise<IssueComment | null> {
  try {
    const res = await r.api.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: r.owner, repo: r.repo, comment_id: commentId, body });
    return res.data;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** The first comment of the issue that starts with `marker` and was written by `author`. */
async function findMarked(r: Repo, issueNumber: number, want: { marker: string; author: string }): Promise<IssueComment | null> {
  for (let page = 1; page <= MAX_MARKER_PAGES; page++) {
    const res = await r.api.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: r.owner, repo: r.repo, issue_number: issueNumber, per_page: 100, page });
    const hit = res.data.find((c) => (c.body ?? '').startsWith(want.marker) && c.user?.login.toLowerCase() === want.author.toLowerCase());
    if (hit) return hit;
    if (res.data.length < 100) return null;
  }
  return null;
}

/** The dry-run writer (no GitHub credentials): logs the body it would post and posts nothing. */
export function dryRunCommentWriter(log: Logger): CommentWriter {
  return {
    dryRun: true,
    reaches: () => true,
    write: async (w) => {
      log.info({ repository: w.repositoryFullName, issue: w.issueNumber, body: w.body }, 'dry run: this comment would be posted');
      return { commentId: null, commentUrl: null, action: 'dry_run' };
    },
  };
}
