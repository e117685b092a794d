import { readFile } from 'node:fs/promises';
import { backoffMs, retryAfterMs } from './backoff.js';

/** How one request ended: accepted (stored now or before), or refused for good with the gateway's reason. */
export type SendResult = { ok: true; duplicate: boolean } | { ok: false; status: number; reason: string };

export interface GatewayClientOptions {
  readonly baseUrl: string;
  readonly runId: string;
  readonly tokenFile: string;
  /** Stop retrying a request at this instant (ms since epoch) unless told otherwise per call. */
  readonly deadline?: () => number;
  readonly warn: (line: string) => void;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The runner's side of the gateway API. Every request is retried with backoff while the gateway is unreachable,
 * answers 5xx or 429 (Retry-After obeyed), and, for a 401, after reading the token file again (a re-issued token
 * reaches the mounted Secret within a minute or so). Other 4xx are final: the request is wrong and would stay so.
 */
export class GatewayClient {
  private token: string | undefined;
  private readonly doFetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: GatewayClientOptions) {
    this.doFetch = o.fetch ?? fetch;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private async readToken(): Promise<string> {
    this.token = (await readFile(this.o.tokenFile, 'utf8')).trim();
    return this.token;
  }

  /** Sends one JSON request until it is accepted, refused for good, or `deadline` passes (then the last refusal). */
  async send(method: 'POST' | 'PUT', path: string, body: unknown, deadline = this.o.deadline?.() ?? Date.now() + 120_000): Promise<SendResult> {
    const payload = JSON.stringify(body);
    let unauthorized = 0;
    for (let attempt = 0; ; attempt++) {
      let wait = backoffMs(attempt);
      let last: SendResult;
      try {
        const token = this.token ?? (await this.readToken());
        const res = await this.doFetch(`${this.o.baseUrl}/api/v1/runs/${this.o.runId}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: payload,
          signal: AbortSignal.timeout(30_000),
        });
        const answer = (await res.json().catch(() => ({}))) as { duplicate?: boolean; error?: string };
        if (res.ok) return { ok: true, duplicate: answer.duplicate === true };
        last = { ok: false, status: res.status, reason: answer.error ?? res.statusText };
        const retryable = res.status >= 500 || res.status === 429 || (res.status === 401 && unauthorized < 30);
        if (!retryable) return last;
        if (res.status === 401) {
          unauthorized++;
          await this.readToken().catch(() => undefined);
          wait = 5_000;
        }
        wait = retryAfterMs(res.headers.get('retry-after')) ?? wait;
      } catch (err) {
        last = { ok: false, status: 0, reason: err instanceof Error ? err.message : String(err) };
      }
      if (Date.now() + wait > deadline) return last;
      if (attempt % 5 === 0) this.o.warn(`gateway ${method} ${path}: ${last.status || 'unreachable'} ${last.reason}; retrying`);
      await this.sleep(wait);
    }
  }
}
