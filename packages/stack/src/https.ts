import { request } from 'node:https';

/** GET over HTTPS with a pinned CA and a bearer token; resolves with the status code and body. */
export function httpsGet(url: string, opts: { ca: string; token: string; timeoutMs?: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: opts.ca, headers: { authorization: `Bearer ${opts.token}` }, timeout: opts.timeoutMs ?? 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
