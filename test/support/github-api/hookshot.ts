import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Where the App's webhook deliveries go. */
export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

/** GitHub gives up on a delivery after 10 s. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** GitHub keeps only the start of the receiver's answer. */
const KEPT_RESPONSE_BYTES = 16 * 1024;

/** What GitHub's webhook sender (Hookshot) puts on a delivery; signatures only when the hook has a secret. */
export function deliveryHeaders(d: { guid: string; event: string; hookId: number; appId: number; secret: string }, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    accept: '*/*',
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/5e2f1d7',
    'x-github-delivery': d.guid,
    'x-github-event': d.event,
    'x-github-hook-id': String(d.hookId),
    'x-github-hook-installation-target-id': String(d.appId),
    'x-github-hook-installation-target-type': 'integration',
  };
  if (d.secret !== '') {
    headers['x-hub-signature'] = `sha1=${createHmac('sha1', d.secret).update(body).digest('hex')}`;
    headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', d.secret).update(body).digest('hex')}`;
  }
  return headers;
}

/** The receiver's answer to one attempt; status 0 when it could not be reached or did not answer in time. */
export interface AttemptOutcome {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly payload: string | null;
  readonly durationS: number;
}

function flatten(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * POSTs one delivery attempt. A fresh connection each time (no keep-alive), as a webhook sender has no reason to
 * hold sockets to a receiver, and a held socket would keep a test's receiver from closing.
 */
export function attemptDelivery(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<AttemptOutcome> {
  const started = performance.now();
  const durationS = (): number => Math.round(performance.now() - started) / 1000;
  return new Promise((resolve) => {
    const failed = (): void => resolve({ status: 0, headers: {}, payload: null, durationS: durationS() });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return failed();
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false, signal, timeout: DELIVERY_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < KEPT_RESPONSE_BYTES) chunks.push(c);
        kept += c.length;
      });
      res.on('error', failed);
      res.on('end', () => {
        const payload = Buffer.concat(chunks).subarray(0, KEPT_RESPONSE_BYTES).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), payload, durationS: durationS() });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', failed);
    req.end(body);
  });
}
