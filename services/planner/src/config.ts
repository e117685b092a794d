import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  /** Deliveries planned at once: each is a few short queries, so a burst is planned as fast as Postgres answers. */
  BUS_CONCURRENCY: envSchemas.positiveInt(16),
  /** The run namespace prefix (reference name kept): `<prefix>-<project12>-i<issue>-r<run12>`. */
  CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX: z.string().default('codex-issue'),
  /** Trigger kinds that run full-env (own namespace with the project's stack); everything else is code-only. */
  CODEXK8S_FULL_ENV_TRIGGER_KINDS: z
    .string()
    .default('dev,dev_revise')
    .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean)),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place planner reads the environment (label overrides are read by `buildLabelCatalog`, from here). */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
