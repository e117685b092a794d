import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths pino replaces with "[Redacted]": signatures, tokens, secrets, passwords, wherever they appear. */
export const REDACT_PATHS = [
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'req.headers.authorization',
  'headers["x-hub-signature-256"]',
  'headers.authorization',
  '*.secret',
  '*.token',
  '*.password',
  '*.signature',
  '*.seed',
  '*.nkey',
  'config.CODEXK8S_GITHUB_WEBHOOK_SECRET',
  'config.DATABASE_URL',
  'config.auth',
  '*.privateKey',
  '*.private_key',
];

/** A JSON logger named after the service, with secret redaction on. */
export function createLogger(opts: { name: string; level?: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    base: { service: opts.name },
  });
}
