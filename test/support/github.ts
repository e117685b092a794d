import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookPost {
  readonly delivery?: string;
  readonly event?: string;
  readonly body: string | Buffer;
  /** `undefined` signs with `secret`; `null` sends no signature header; a string is sent as is. */
  readonly signature?: string | null;
  readonly secret?: string;
}

export function sign(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Posts a GitHub-style delivery over real HTTP and returns status and JSON body. */
export async function postWebhook(baseUrl: string, p: WebhookPost): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/test' };
  if (p.delivery !== '') headers['x-github-delivery'] = p.delivery ?? randomUUID();
  if (p.event !== '') headers['x-github-event'] = p.event ?? 'issues';
  const sig = p.signature === undefined ? sign(p.secret ?? '', p.body) : p.signature;
  if (sig !== null) headers['x-hub-signature-256'] = sig;
  const res = await fetch(`${baseUrl}/api/v1/webhooks/github`, { method: 'POST', headers, body: p.body });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
