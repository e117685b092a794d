import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const { between } = envSchemas;
const MiB = 1024 * 1024;

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  /** Where agents reach it: 0.0.0.0 in a cluster (its Service), the real node's host address on the local stack. */
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envSchemas.port(8080),
  /** One log chunk's text, in bytes (UTF-8). */
  CODEXK8S_AGENT_LOG_CHUNK_MAX_BYTES: between(1_024, 1 * MiB, 256 * 1024),
  /** All of a run's stored log, in bytes: chunks past it are refused (413). */
  CODEXK8S_AGENT_LOG_MAX_BYTES_PER_RUN: between(1 * MiB, 1024 * MiB, 64 * MiB),
  /** Stored log chunks older than this are deleted. */
  CODEXK8S_AGENT_LOG_RETENTION_DAYS: between(1, 3650, 30),
  /** One artifact's content, in bytes (decoded). */
  CODEXK8S_AGENT_ARTIFACT_MAX_BYTES: between(1_024, 12 * MiB, 5 * MiB),
  /** All of a run's artifacts, in bytes. */
  CODEXK8S_AGENT_ARTIFACT_MAX_BYTES_PER_RUN: between(1_024, 4096 * MiB, 50 * MiB),
  /** Requests per second one run may make (a token bucket refilled at this rate), and the burst it may save up. */
  CODEXK8S_AGENT_RATE_PER_SECOND: between(1, 10_000, 50),
  CODEXK8S_AGENT_RATE_BURST: between(1, 100_000, 200),
  // Edge limits of the listener (slow or many clients must not hold it).
  CODEXK8S_AGENT_GATEWAY_MAX_CONNECTIONS: between(1, 65_535, 1_024),
  CODEXK8S_AGENT_GATEWAY_HEADERS_TIMEOUT_MS: between(100, 60_000, 5_000),
  CODEXK8S_AGENT_GATEWAY_REQUEST_TIMEOUT_MS: between(100, 600_000, 60_000),
  CODEXK8S_AGENT_GATEWAY_KEEP_ALIVE_TIMEOUT_MS: between(100, 120_000, 30_000),
})
  .refine((c) => c.CODEXK8S_AGENT_GATEWAY_HEADERS_TIMEOUT_MS <= c.CODEXK8S_AGENT_GATEWAY_REQUEST_TIMEOUT_MS, {
    path: ['CODEXK8S_AGENT_GATEWAY_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed CODEXK8S_AGENT_GATEWAY_REQUEST_TIMEOUT_MS (the request timeout covers the headers too)',
  })
  .refine((c) => c.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES <= c.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES_PER_RUN, {
    path: ['CODEXK8S_AGENT_ARTIFACT_MAX_BYTES'],
    message: 'must not exceed CODEXK8S_AGENT_ARTIFACT_MAX_BYTES_PER_RUN',
  });

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place agent-gateway reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
