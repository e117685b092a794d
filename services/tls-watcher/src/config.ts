import { KubeEnv } from '@codex-k8s/kube';
import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend(KubeEnv.shape).extend({
  DATABASE_URL: z.string().min(1),
  /** How long a slot certificate may take to become Ready before the run fails (never an endless wait). */
  CODEXK8S_TLS_READY_TIMEOUT_MS: envSchemas.positiveInt(5 * 60_000),
  CODEXK8S_TLS_POLL_INTERVAL_MS: envSchemas.positiveInt(1_000),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place tls-watcher reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
