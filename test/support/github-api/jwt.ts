import { verify, type KeyObject } from 'node:crypto';

/** GitHub tolerates this much clock difference between the App and itself. */
const CLOCK_SKEW_S = 60;
/** GitHub refuses an App JWT that lives longer than this. */
const MAX_LIFETIME_S = 600;

/**
 * GitHub's own messages for a refused App JWT. The time ones are the texts `@octokit/auth-app` looks for to correct
 * its clock and try again, so keeping them verbatim lets a test exercise that path.
 */
export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  expired: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooLong: "'Expiration time' claim ('exp') is too far in the future",
  issuedInFuture: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  wrongIssuer: "'Issuer' claim ('iss') must be the ID of an existing GitHub App",
} as const;

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function signedBy(message: string, signature: string, key: KeyObject): boolean {
  try {
    return verify('sha256', Buffer.from(message), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false; // a signature that is not even well-formed
  }
}

/** The claims of a well-formed RS256 JWT signed by `key`, or null. */
function signedClaims(token: string, key: KeyObject): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  const header = decodePart(h);
  const claims = decodePart(p);
  if (!header || !claims || header.alg !== 'RS256') return null;
  return signedBy(`${h}.${p}`, s, key) ? claims : null;
}

/**
 * Verifies an App JWT the way GitHub does: RS256 signed by the App's key, `iss` the App id (number or string),
 * `iat` not in the future and `exp` not in the past (each give or take 60 s), at most 10 minutes between them.
 * Returns null when the token is good, else the message GitHub answers 401 with.
 */
export function verifyAppJwt(token: string, key: KeyObject, appId: number, nowMs = Date.now()): string | null {
  const claims = signedClaims(token, key);
  if (!claims) return JWT_MESSAGES.undecodable;
  const { iat, exp, iss } = claims;
  const now = Math.floor(nowMs / 1000);
  if (!Number.isInteger(iat) || (iat as number) > now + CLOCK_SKEW_S) return JWT_MESSAGES.issuedInFuture;
  if (!Number.isInteger(exp) || (exp as number) <= now - CLOCK_SKEW_S) return JWT_MESSAGES.expired;
  if ((exp as number) - (iat as number) > MAX_LIFETIME_S || (exp as number) > now + MAX_LIFETIME_S + CLOCK_SKEW_S) return JWT_MESSAGES.tooLong;
  if (String(iss) !== String(appId)) return JWT_MESSAGES.wrongIssuer;
  return null;
}
