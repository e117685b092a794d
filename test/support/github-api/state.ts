import { randomBytes } from 'node:crypto';

/** GitHub's timestamps: ISO 8601 in UTC to the second (`2011-04-14T16:00:49Z`). */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** An issue comment as the server keeps it. */
export interface StoredComment {
  readonly id: number;
  readonly owner: string;
  readonly repo: string;
  readonly issue: number;
  /** Who wrote it: null for the App's bot user, else the login of a personal token's user. */
  readonly author: string | null;
  body: string;
  readonly created_at: string;
  updated_at: string;
  updatedMs: number;
  edits: number;
}

/** Owner and repository names are case-insensitive on GitHub. */
const repoKey = (owner: string, repo: string): string => `${owner.toLowerCase()}/${repo.toLowerCase()}`;

/** Issue comments of every repository, in memory. Ids are global, as on GitHub. */
export class CommentStore {
  private nextId = 1_000_001;
  private readonly byId = new Map<number, StoredComment>();

  create(owner: string, repo: string, issue: number, body: string, author: string | null = null): StoredComment {
    const nowMs = Date.now();
    const at = isoSeconds(nowMs);
    const c: StoredComment = { id: this.nextId++, owner, repo, issue, author, body, created_at: at, updated_at: at, updatedMs: nowMs, edits: 0 };
    this.byId.set(c.id, c);
    return c;
  }

  /** The comments of an issue, oldest first (GitHub's order for this list). */
  list(owner: string, repo: string, issue: number): StoredComment[] {
    const key = repoKey(owner, repo);
    return [...this.byId.values()].filter((c) => c.issue === issue && repoKey(c.owner, c.repo) === key);
  }

  /** A comment by id, only through the repository it belongs to. */
  get(owner: string, repo: string, id: number): StoredComment | undefined {
    const c = this.byId.get(id);
    return c && repoKey(c.owner, c.repo) === repoKey(owner, repo) ? c : undefined;
  }

  edit(owner: string, repo: string, id: number, body: string): StoredComment | undefined {
    const nowMs = Date.now();
    const c = this.get(owner, repo, id);
    if (!c) return undefined;
    // GitHub's timestamps have one-second resolution; an edit in the same second as the previous change still
    // moves updated_at, so "was it edited" is observable from the API the way it is on GitHub over time.
    c.updatedMs = Math.max(nowMs, c.updatedMs + 1000);
    c.updated_at = isoSeconds(c.updatedMs);
    c.body = body;
    c.edits++;
    return c;
  }
}

/** Who a token stands for. */
export type TokenOwner = { readonly kind: 'installation'; readonly installationId: number } | { readonly kind: 'personal'; readonly login: string };

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A token in GitHub's format: prefix and 36 base62 characters. */
function newToken(prefix: string): string {
  return prefix + [...randomBytes(36)].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('');
}

/** Installation tokens (minted through the App) and personal tokens (added by the test). */
export class TokenStore {
  minted = 0;
  private readonly installation = new Map<string, { installationId: number; expiresMs: number; revoked: boolean }>();
  private readonly personal = new Map<string, string>();

  /** Mints an installation token valid for one hour, as GitHub does. */
  mint(installationId: number, nowMs = Date.now()): { token: string; expiresMs: number } {
    const token = newToken('ghs_');
    const expiresMs = nowMs + 3_600_000;
    this.installation.set(token, { installationId, expiresMs, revoked: false });
    this.minted++;
    return { token, expiresMs };
  }

  revokeInstallationTokens(): void {
    for (const t of this.installation.values()) t.revoked = true;
  }

  addPersonal(token: string, login: string): void {
    this.personal.set(token, login);
  }

  /** Who the token belongs to, or null when it is unknown, revoked or expired. */
  owner(token: string, nowMs = Date.now()): TokenOwner | null {
    const login = this.personal.get(token);
    if (login !== undefined) return { kind: 'personal', login };
    const t = this.installation.get(token);
    if (!t || t.revoked || t.expiresMs <= nowMs) return null;
    return { kind: 'installation', installationId: t.installationId };
  }
}

/** A webhook delivery of the App, shaped like the description's `hook-delivery`. */
export interface StoredDelivery {
  readonly id: number;
  readonly guid: string;
  readonly delivered_at: string;
  readonly redelivery: boolean;
  readonly duration: number;
  readonly status: string;
  readonly status_code: number;
  readonly event: string;
  readonly action: string | null;
  readonly installation_id: number | null;
  readonly repository_id: number | null;
  readonly throttled_at: null;
  readonly url: string;
  readonly request: { headers: Record<string, string>; payload: object };
  readonly response: { headers: Record<string, string>; payload: string | null };
}

/** The text GitHub shows for the outcome of a delivery attempt. */
export function deliveryStatus(statusCode: number): string {
  if (statusCode === 0) return 'failed to connect';
  return statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`;
}

/** The App's webhook deliveries, oldest first; ids grow, so newest first is by id descending. */
export class DeliveryStore {
  private nextId = 90_000_001;
  private readonly all: StoredDelivery[] = [];

  record(d: Omit<StoredDelivery, 'id' | 'status' | 'throttled_at'>): StoredDelivery {
    const stored: StoredDelivery = { ...d, id: this.nextId++, status: deliveryStatus(d.status_code), throttled_at: null };
    this.all.push(stored);
    return stored;
  }

  get(id: number): StoredDelivery | undefined {
    return this.all.find((d) => d.id === id);
  }

  newestFirst(): StoredDelivery[] {
    return [...this.all].reverse();
  }
}
