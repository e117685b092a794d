import { pino, type DestinationStream, type Logger } from 'pino';

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
  // The same names at the top level of a log line (`log.info({ token })`).
  'secret',
  'token',
  'password',
  'privateKey',
  'private_key',
];

/** A JSON logger named after the service, with secret redaction on (to stdout, or `destination` in tests). */
export function createLogger(opts: { name: string; level?: string; destination?: DestinationStream }): Logger {
  const options = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    base: { service: opts.name },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
