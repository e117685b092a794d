import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  CODEXK8S_GITHUB_WEBHOOK_SECRET: z.string().min(1, 'the GitHub webhook secret is required'),
  CODEXK8S_WEBHOOK_MAX_BODY_BYTES: envSchemas.positiveInt(1024 * 1024),
  HTTP_PORT: envSchemas.port(8080),
  HTTP_HOST: z.string().default('127.0.0.1'),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place webhook-ingress reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
