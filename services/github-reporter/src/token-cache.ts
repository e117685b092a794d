/** Renew an installation token this long before GitHub says it expires (a request in flight must not outlive it). */
export const TOKEN_RENEW_BEFORE_MS = 5 * 60_000;

/**
 * The installation-token cache handed to @octokit/auth-app (its `cache` option: get/set of its own serialised
 * entries, `token|createdAt|expiresAt|...`, keyed by installation id first). Unlike the library's default (a fixed
 * 59 minutes) an entry lives until TOKEN_RENEW_BEFORE_MS before the token's own `expiresAt`, and an installation's
 * entries can be dropped when GitHub answers 401 (the token was revoked).
 */
export class TokenCache {
  private readonly entries = new Map<string, { value: string; renewAt: number; storedAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() >= e.renewAt) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: string): void {
    const expiresAt = Date.parse(value.split('|')[2] ?? '');
    // An entry without a readable expiry is used once and not kept.
    if (!Number.isFinite(expiresAt)) return;
    this.entries.set(key, { value, renewAt: expiresAt - TOKEN_RENEW_BEFORE_MS, storedAt: this.now() });
  }

  /**
   * Drops the cached tokens of an installation stored no later than `storedBy` (when the refused request started):
   * a token minted since, by a request that failed at the same time, is kept instead of being minted again.
   */
  forget(installationId: number, storedBy = Infinity): void {
    const prefix = String(installationId);
    for (const [k, e] of this.entries) if ((k === prefix || k.startsWith(`${prefix}|`)) && e.storedAt <= storedBy) this.entries.delete(k);
  }
}
