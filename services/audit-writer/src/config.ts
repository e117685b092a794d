import { BaseEnv, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  // Unlimited by default: a Postgres outage of any length must end in catch-up, never in dropped events.
  BUS_MAX_DELIVER: z.coerce.number().int().min(-1).default(-1),
  // audit-writer writes batches, not single messages: BUS_CONCURRENCY is the number of batches written at once.
  BUS_CONCURRENCY: z.coerce.number().int().positive().default(2),
  // Largest batch (one multi-row INSERT, 11 parameters a row: Postgres allows 65,535 a statement).
  AUDIT_BATCH_MAX: z.coerce.number().int().positive().max(5_000).default(500),
  // How long a batch that is not full waits for more events (ms): the latency added to a lone event.
  AUDIT_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(1_000).default(5),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place audit-writer reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
