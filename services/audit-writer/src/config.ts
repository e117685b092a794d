import { BaseEnv, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  // Unlimited by default: a Postgres outage of any length must end in catch-up, never in dropped events.
  BUS_MAX_DELIVER: z.coerce.number().int().min(-1).default(-1),
  BUS_CONCURRENCY: z.coerce.number().int().positive().default(8),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place audit-writer reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
