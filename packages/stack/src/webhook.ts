import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookPost {
  readonly delivery?: string;
  readonly event?: string;
  readonly body: string | Buffer;
  /** `undefined` signs with `secret`; `null` sends no signature header; a string is sent as is. */
  readonly signature?: string | null;
  readonly secret?: string;
}

/** The `X-Hub-Signature-256` value GitHub sends for a body. */
export function signWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Posts a GitHub-style delivery over real HTTP (what GitHub itself does) and returns status and JSON body.
 * An empty `delivery`/`event` omits that header.
 */
export async function postWebhook(baseUrl: string, p: WebhookPost): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/codex-k8s' };
  if (p.delivery !== '') headers['x-github-delivery'] = p.delivery ?? randomUUID();
  if (p.event !== '') headers['x-github-event'] = p.event ?? 'issues';
  const sig = p.signature === undefined ? signWebhook(p.secret ?? '', p.body) : p.signature;
  if (sig !== null) headers['x-hub-signature-256'] = sig;
  const res = await fetch(`${baseUrl}/api/v1/webhooks/github`, { method: 'POST', headers, body: p.body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, body: { text } };
  }
}
