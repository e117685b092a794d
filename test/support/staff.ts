import { request } from 'node:http';
import type { SessionResponse } from '@codex-k8s/contracts';
import { addMember, openStaffSession, type Db } from '@codex-k8s/db';

/** A staff console answer: status, headers and the body (JSON when it is JSON, else text). */
export interface StaffAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: T;
}

export interface StaffRequestOptions {
  readonly cookie?: string;
  readonly csrf?: string;
  readonly headers?: Record<string, string>;
  readonly localAddress?: string;
  readonly body?: unknown;
}

/**
 * One HTTP request to the staff console with real sockets (`localAddress` picks the source address, as a proxy in
 * front of it would have). `cookie`: a session; `csrf`: the X-CSRF-Token header.
 */
export function staffRequest<T = unknown>(base: string, method: string, path: string, o: StaffRequestOptions = {}): Promise<StaffAnswer<T>> {
  const url = new URL(path, base);
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        headers: {
          ...(o.cookie ? { cookie: `__Host-staff_session=${o.cookie}` } : {}),
          ...(o.csrf ? { 'x-csrf-token': o.csrf } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (String(res.headers['content-type'] ?? '').includes('json')) body = text ? JSON.parse(text) : null;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T });
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** A staff member: a platform user with a role in a project (or a platform admin), and a session cookie for them. */
export async function staffMember(db: Db, o: { projectId: string; login: string; role: 'admin' | 'read_write' | 'read_only'; platformAdmin?: boolean }): Promise<string> {
  await addMember(db, o);
  return openStaffSession(db, o.login, 3_600);
}

/** The session and CSRF token of a cookie, as the UI gets them. */
export async function staffSession(base: string, cookie: string): Promise<SessionResponse> {
  const r = await staffRequest<SessionResponse>(base, 'GET', '/api/v1/staff/session', { cookie });
  if (r.status !== 200) throw new Error(`session: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
