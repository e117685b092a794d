import { z } from 'zod';

/** Raised when the environment does not satisfy a service's config schema; lists every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the process environment against a zod schema, once, at start. The result is frozen.
 * @throws ConfigError naming each variable and what is wrong with it (never its value: it may be a secret).
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data) as Readonly<z.infer<S>>;
}

/** Common building blocks for service config schemas. */
export const envSchemas = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  /** An integer within [min, max], `fallback` when unset. */
  between: (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  url: z.string().url(),
} as const;

/** The settings every service shares: NATS, the bus names, logging, health port. */
export const BaseEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** File holding this service's NKEY seed (a mounted Secret in a cluster); unset: connect without credentials. */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  BUS_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('PLATFORM'),
  BUS_SUBJECT_ROOT: z.string().regex(/^[a-z0-9_-]+$/).default('platform'),
  BUS_ACK_WAIT_MS: envSchemas.positiveInt(30_000),
  BUS_MAX_DELIVER: z.coerce.number().int().min(-1).default(8),
  BUS_CONCURRENCY: envSchemas.positiveInt(4),
  LOG_LEVEL: envSchemas.logLevel,
  HEALTH_PORT: envSchemas.port(0),
  HEALTH_HOST: z.string().default('127.0.0.1'),
});
export type BaseConfig = z.infer<typeof BaseEnv>;

/**
 * Reads a service's config at start; an invalid environment ends the process with the list of bad variables
 * (exit code 78, EX_CONFIG) instead of a stack trace.
 */
export function readConfigOrExit<T>(service: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${service}: ${err.message}`);
    process.exit(78);
  }
}
