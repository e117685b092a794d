import { TerminalError } from '@codex-k8s/runtime';

/** The HTTP status of an octokit RequestError, if it is one. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Longest wait a rate-limit answer can ask for (an hour: the primary limit's window). */
const MAX_WAIT_MS = 3_600_000;
/** GitHub's advice when a secondary limit comes without Retry-After: wait at least a minute. */
const SECONDARY_FALLBACK_MS = 60_000;

interface ErrorLike {
  readonly message?: string;
  readonly response?: { readonly headers?: Record<string, string | number | undefined> };
}

/**
 * How long GitHub asks to wait before the request is tried again, when `err` is a rate-limit answer (403/429 with
 * `retry-after`, a secondary-limit message, or `x-ratelimit-remaining: 0` with `x-ratelimit-reset`); null for any
 * other error. Pure (`nowMs` is the clock).
 */
export function rateLimitWaitMs(err: unknown, nowMs: number): number | null {
  const status = statusOf(err);
  if (status !== 403 && status !== 429) return null;
  const e = err as ErrorLike;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return clamp(retryAfter * 1_000);
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return clamp(reset * 1_000 - nowMs + 1_000);
  }
  if (/\bsecondary rate\b/i.test(e.message ?? '')) return SECONDARY_FALLBACK_MS;
  if (status === 429) return SECONDARY_FALLBACK_MS;
  return null;
}

const clamp = (ms: number): number => Math.min(MAX_WAIT_MS, Math.max(1_000, Math.round(ms)));

/** Answers retrying cannot change: a bad request, no permission (a rate limit is handled before), gone, invalid. */
const PERMANENT = new Set([400, 403, 404, 410, 422]);

/**
 * Rethrows a GitHub answer retrying cannot change (the App is not installed on the repository, lacks the
 * permission, the issue is gone, the body is refused) as TerminalError, so the message ends as a dead letter at
 * once instead of after every backoff; anything else (5xx, network, RetryAfter) unchanged.
 */
export function permanentAsTerminal(err: unknown): never {
  const status = statusOf(err);
  if (status !== undefined && PERMANENT.has(status)) {
    const message = (err as { message?: string }).message ?? '';
    throw new TerminalError(`GitHub answered ${status}: ${message.slice(0, 300)}`, { cause: err });
  }
  throw err;
}
