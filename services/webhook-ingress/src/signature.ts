import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/;

/**
 * Checks `X-Hub-Signature-256` against HMAC-SHA256(secret, raw body bytes) in constant time.
 * Anything but `sha256=` followed by 64 lower-case hex digits is a mismatch, never an exception.
 */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const m = header ? HEADER.exec(header) : null;
  if (!m) return false;
  const given = Buffer.from(m[1] as string, 'hex');
  const want = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === want.length && timingSafeEqual(given, want);
}

/** The header value GitHub would send for this body (used by the sample replayer and tests). */
export function signBody(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
