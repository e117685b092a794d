import { KubeEnv } from '@codex-k8s/kube';
import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend(KubeEnv.shape).extend({
  DATABASE_URL: z.string().min(1),
  /** The agent image and the shell command it runs (`sh -c <command>`); reference names kept. */
  CODEXK8S_WORKER_JOB_IMAGE: z.string().min(1).default('busybox:1.36'),
  CODEXK8S_WORKER_JOB_COMMAND: z.string().min(1).default('echo "codex-k8s agent run $CODEXK8S_RUN_ID"'),
  CODEXK8S_WORKER_JOB_BACKOFF_LIMIT: z.coerce.number().int().min(0).default(0),
  CODEXK8S_WORKER_JOB_TTL_SECONDS: z.coerce.number().int().min(0).default(600),
  CODEXK8S_WORKER_JOB_ACTIVE_DEADLINE_SECONDS: envSchemas.positiveInt(900),
  /** The ServiceAccount of code-only Jobs in the platform namespace: no RBAC and no token (deploy/base). */
  CODEXK8S_CODE_ONLY_SERVICE_ACCOUNT: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a DNS-1123 name').max(63).default('codex-agent'),
  /** Periodic re-check of every running run (the watch is only the fast path). */
  CODEXK8S_JOB_RESYNC_INTERVAL_MS: envSchemas.positiveInt(10_000),
  /** Where agents reach agent-gateway from their pods (in a cluster its Service; locally the real node's host address). */
  CODEXK8S_AGENT_GATEWAY_URL: z.url({ protocol: /^https?$/ }).default('http://agent-gateway.codex-k8s-system.svc:8080'),
  /**
   * The reference runner's path in the agent image: the Job runs it, and it runs the command, streams its output and
   * reports to the gateway. Empty: the Job runs `sh -c <command>` itself and no report is expected from it.
   */
  CODEXK8S_WORKER_JOB_RUNNER: z.string().regex(/^(\/[A-Za-z0-9._/-]+)?$/, 'an absolute path in the image, or empty').default(''),
  /** The run token lives as long as the Job may (its active deadline) plus this. */
  CODEXK8S_AGENT_TOKEN_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /** How long pods may fail to be created (quota, admission) before the run fails with FailedCreate. */
  CODEXK8S_JOB_CREATE_DEADLINE_MS: envSchemas.positiveInt(120_000),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place agent-launcher reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
