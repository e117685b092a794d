import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const { between } = envSchemas;

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  CODEXK8S_GITHUB_WEBHOOK_SECRET: z.string().min(1, 'the GitHub webhook secret is required'),
  CODEXK8S_WEBHOOK_MAX_BODY_BYTES: envSchemas.positiveInt(1024 * 1024),
  // Edge limits (server.ts). GitHub waits 10 s for an answer, so a whole request taking longer is already lost.
  CODEXK8S_WEBHOOK_MAX_CONNECTIONS: between(1, 65_535, 256),
  CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS: between(100, 60_000, 5_000),
  CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS: between(100, 120_000, 10_000),
  CODEXK8S_WEBHOOK_KEEP_ALIVE_TIMEOUT_MS: between(100, 120_000, 5_000),
  HTTP_PORT: envSchemas.port(8080),
  HTTP_HOST: z.string().default('127.0.0.1'),
}).refine((c) => c.CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS <= c.CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS, {
  path: ['CODEXK8S_WEBHOOK_HEADERS_TIMEOUT_MS'],
  message: 'must not exceed CODEXK8S_WEBHOOK_REQUEST_TIMEOUT_MS (the request timeout covers the headers too)',
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place webhook-ingress reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
