import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { RetryAfter, TerminalError, type Logger } from '@codex-k8s/runtime';
import type { GithubAuth } from './config.js';
import { permanentAsTerminal, rateLimitWaitMs, statusOf } from './rate-limit.js';
import { TokenCache } from './token-cache.js';

const ReporterOctokit = Octokit.plugin(retry, throttling);
export type GithubApi = InstanceType<typeof ReporterOctokit>;

/** Settings of the GitHub client (from the service config). */
export interface GithubClientOptions {
  readonly auth: Exclude<GithubAuth, { kind: 'dry_run' }>;
  readonly apiUrl: string;
  readonly requestTimeoutMs: number;
  readonly inlineWaitMaxMs: number;
  readonly log: Logger;
  readonly userAgent: string;
  /** Where the replicas share what GitHub said about rate limits (Postgres); without it each replica learns alone. */
  readonly limits?: LimitStore;
}

/** Rate limits known to every replica: until when (epoch ms) a scope is limited. */
export interface LimitStore {
  until(scope: string): Promise<number>;
  record(scope: string, untilMs: number): Promise<void>;
}

/** What the reporter does with GitHub: act for an installation (or the token), and act as the App. */
export interface GithubClient {
  /** Runs `fn` with a client for the installation; a 401 (revoked token) mints a new one and runs it once more. */
  withInstallation<T>(installationId: number | null, fn: (api: GithubApi) => Promise<T>): Promise<T>;
  /** Runs `fn` with the App's own client (JWT), for /app endpoints; null in token mode. */
  readonly withApp: (<T>(fn: (api: GithubApi) => Promise<T>) => Promise<T>) | null;
  /** The login comments are posted as (`<app slug>[bot]`, or the token's user), looked up once. */
  identity(): Promise<string>;
}

/** Caches a lookup's success; a failed one is tried again next time. */
function once(lookup: () => Promise<string>): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= lookup().catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
    return cached;
  };
}

/** How many installation clients are kept (each holds only its id and the shared token cache). */
const MAX_INSTALLATION_CLIENTS = 1_000;

/**
 * Builds the client: octokit with the official retry (5xx, a couple of quick attempts) and throttling plugins
 * (GitHub's primary and secondary rate limits). A rate-limit wait no longer than `inlineWaitMaxMs` is waited in
 * process; a longer one becomes RetryAfter, so the bus hands the message back for that long instead of a handler
 * sleeping while it holds it.
 */
export function createGithubClient(o: GithubClientOptions): GithubClient {
  const tokens = new TokenCache();
  // fetch with a deadline per attempt: a hung GitHub never holds a message (or the comment's row lock) for long.
  const fetchWithTimeout: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(o.requestTimeoutMs) });
  const onLimit = (kind: string) => (retryAfterS: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number): boolean => {
    const inline = retryCount === 0 && retryAfterS * 1_000 <= o.inlineWaitMaxMs;
    o.log.warn({ limit: kind, retry_after_s: retryAfterS, method: options.method, url: options.url, inline }, 'GitHub rate limit');
    return inline;
  };
  const base = {
    baseUrl: o.apiUrl,
    userAgent: o.userAgent,
    headers: { 'x-github-api-version': '2022-11-28' },
    request: { fetch: fetchWithTimeout },
    retry: { retries: 2, retryAfterBaseValue: 250 },
    throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary') },
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => o.log.warn(m), error: (m: string) => o.log.error(m) },
  };

  if (o.auth.kind === 'token') {
    const api = new ReporterOctokit({ ...base, auth: o.auth.token });
    const hold = new RateLimitHold('token', o.limits);
    const identity = once(async () => (await hold.run(() => api.request('GET /user'))).data.login);
    return { withApp: null, identity, withInstallation: (_id, fn) => hold.run(() => fn(api)).catch(permanentAsTerminal) };
  }
  const { appId, privateKey } = o.auth;
  const app = new ReporterOctokit({ ...base, authStrategy: createAppAuth, auth: { appId, privateKey, cache: tokens } });
  const installations = new Map<number, GithubApi>();
  // GitHub counts the App's own requests and each installation's separately: one hold each.
  const appHold = new RateLimitHold('app', o.limits);
  const holds = new Map<number, RateLimitHold>();
  const holdOf = (installationId: number): RateLimitHold => {
    let h = holds.get(installationId);
    if (!h) {
      if (holds.size >= MAX_INSTALLATION_CLIENTS) holds.clear();
      h = new RateLimitHold(`installation/${installationId}`, o.limits);
      holds.set(installationId, h);
    }
    return h;
  };
  const clientFor = (installationId: number): GithubApi => {
    let api = installations.get(installationId);
    if (!api) {
      if (installations.size >= MAX_INSTALLATION_CLIENTS) installations.clear();
      api = new ReporterOctokit({ ...base, authStrategy: createAppAuth, auth: { appId, privateKey, installationId, cache: tokens } });
      installations.set(installationId, api);
    }
    return api;
  };
  const identity = once(async () => {
    const { data } = await appHold.run(() => app.request('GET /app'));
    if (!data?.slug) throw new Error('GET /app returned no slug');
    return `${data.slug}[bot]`;
  });
  return {
    withApp: (fn) => appHold.run(() => fn(app)).catch(permanentAsTerminal),
    identity,
    async withInstallation(installationId, fn) {
      // Retrying cannot add an installation to a delivery that came without one: the message ends as a dead letter.
      if (installationId === null) throw new TerminalError('the delivery came without a GitHub App installation; the App cannot act for it');
      const hold = holdOf(installationId);
      const started = Date.now();
      try {
        return await hold.run(() => fn(clientFor(installationId)));
      } catch (err) {
        if (statusOf(err) !== 401) permanentAsTerminal(err);
        // The cached installation token was revoked (or the App's key rotated): mint a new one and try once more.
        tokens.forget(installationId, started);
        o.log.warn({ installation: installationId }, 'GitHub answered 401; minting a new installation token');
        return hold.run(() => fn(clientFor(installationId))).catch(permanentAsTerminal);
      }
    },
  };
}

/**
 * What GitHub said about one rate limit: a limit answer the plugin did not wait for becomes RetryAfter (the bus
 * waits, not the handler), and until it ends every other request under the same limit is handed back at once
 * instead of being sent (GitHub asks clients not to keep calling while limited).
 */
export class RateLimitHold {
  private until = 0;

  constructor(
    private readonly scope: string,
    private readonly shared?: LimitStore,
    private readonly now: () => number = Date.now,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // What another replica learned counts too; if the store cannot be read, this replica's own knowledge does.
    if (this.shared) this.until = Math.max(this.until, await this.shared.until(this.scope).catch(() => 0));
    const left = this.until - this.now();
    if (left > 0) throw new RetryAfter(left, `GitHub rate limit: waiting ${Math.ceil(left / 1000)} s more`);
    try {
      return await fn();
    } catch (err) {
      const wait = rateLimitWaitMs(err, this.now());
      if (wait === null) throw err;
      this.until = Math.max(this.until, this.now() + wait);
      await this.shared?.record(this.scope, this.until).catch(() => undefined);
      throw new RetryAfter(wait, `GitHub rate limit: waiting ${Math.ceil(wait / 1000)} s`);
    }
  }
}
