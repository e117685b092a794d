/** What a faulted request is answered with instead of the operation's own answer. */
export interface FaultAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON; a string is sent as it is (e.g. a proxy's HTML error page). */
  readonly body?: unknown;
}

/** A fault: `route` is `METHOD /template` as in the description, or `*` for every route. */
export interface FaultRule extends FaultAnswer {
  readonly route: string;
  /** How many matching requests get the fault; default 1, `Infinity` for all of them. */
  readonly times?: number;
  /** Carry the operation out first and lose its answer (GitHub did it, the client never heard). */
  readonly afterApplying?: boolean;
}

/**
 * GitHub's secondary rate limit answer (403 with `retry-after`); the message is the one GitHub documents and the
 * one `@octokit/plugin-throttling` recognises ("secondary rate").
 */
export function secondaryRateLimit(retryAfterSeconds = 1): FaultAnswer {
  return {
    status: 403,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
  };
}

/**
 * GitHub's primary rate limit answer: 403 with `x-ratelimit-remaining: 0` and the reset time, which is what
 * clients (and `@octokit/plugin-throttling`) go by.
 */
export function primaryRateLimit(o: { resetInSeconds?: number; installationId?: number; limit?: number } = {}): FaultAnswer {
  const limit = o.limit ?? 5000;
  const reset = Math.floor(Date.now() / 1000) + (o.resetInSeconds ?? 1);
  return {
    status: 403,
    headers: {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': String(limit),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    },
    body: {
      message: `API rate limit exceeded for installation ID ${o.installationId ?? 4242}.`,
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
    },
  };
}

/** Fault rules, consumed in the order they were added. */
export class FaultQueue {
  private rules: { rule: FaultRule; left: number }[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule that applies to `route`, counted as used once; undefined when none does. */
  take(route: string): FaultRule | undefined {
    const entry = this.rules.find((r) => r.left > 0 && (r.rule.route === '*' || r.rule.route === route));
    if (!entry) return undefined;
    entry.left--;
    if (entry.left <= 0) this.rules = this.rules.filter((r) => r !== entry);
    return entry.rule;
  }
}
