import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaselineEnv, KubeEnv, labelKeys } from '@codex-k8s/kube';
import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';
import type { ReservedObjects } from './tenant-policy.js';

// BaselineEnv: the names of the platform's objects in a slot, which tenant manifests may not take over.
const Env = BaseEnv.extend(KubeEnv.shape).extend(BaselineEnv.shape).extend({
  DATABASE_URL: z.string().min(1),
  /** Slots per project (reference CODEXK8S_WORKER_SLOTS_PER_PROJECT). */
  CODEXK8S_WORKER_SLOTS_PER_PROJECT: envSchemas.positiveInt(2),
  /** A slot lease not renewed for this long counts as free (a crashed platform must not hold slots forever). */
  CODEXK8S_WORKER_SLOT_LEASE_TTL_MS: envSchemas.positiveInt(6 * 3600_000),
  /** The environment of services.yaml slots deploy (reference default `ai`). */
  CODEXK8S_RUNTIME_DEPLOY_ENV: z.string().min(1).default('ai'),
  /** Base domain of slot hosts when the environment has no domainTemplate: `<namespace>.<domain>`. */
  CODEXK8S_AI_DOMAIN: z.string().optional(),
  /** The bootstrap ClusterIssuer slot Ingresses are annotated with (never applied at runtime). */
  CODEXK8S_CLUSTER_ISSUER: z.string().min(1).default('codex-k8s-letsencrypt'),
  /** Per-object readiness timeout (reference CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT, 20 min). */
  CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS: envSchemas.positiveInt(20 * 60_000),
  /** How soon a deploy step that waits (a unit not ready, no free slot) looks again; the message is handed back meanwhile. */
  CODEXK8S_DEPLOY_POLL_MS: envSchemas.positiveInt(1_000),
  /**
   * How long a slot pod may keep failing to pull its image or to create its container (a Secret not written yet)
   * before its unit fails with the kubelet's reason; an image the node will never have or a crash loop fail it at
   * once. A slow registry gets this long; a wrong image does not cost the whole rollout timeout.
   */
  CODEXK8S_DEPLOY_PULL_ERROR_GRACE_MS: envSchemas.positiveInt(2 * 60_000),
  /**
   * How long a deploy step that cannot go on (no free slot; repository, database or apiserver unreachable before the
   * first unit) is retried before the run ends with runtime_deploy_failed. A started unit has the rollout timeout.
   */
  CODEXK8S_DEPLOY_RETRY_WINDOW_MS: envSchemas.positiveInt(10 * 60_000),
  /** Where repository snapshots are cached, keyed by URL and commit. */
  CODEXK8S_REPO_CACHE_DIR: z.string().default(join(tmpdir(), 'codex-k8s-repos')),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place deployer reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);

/** The platform's objects in a slot namespace, from the baseline names this deployment uses. */
export function reservedObjects(c: Config): ReservedObjects {
  const names = [
    `ServiceAccount/${c.CODEXK8S_WORKER_RUN_SERVICE_ACCOUNT}`,
    `Role/${c.CODEXK8S_WORKER_RUN_ROLE_NAME}`,
    `RoleBinding/${c.CODEXK8S_WORKER_RUN_ROLE_BINDING_NAME}`,
    `ResourceQuota/${c.CODEXK8S_WORKER_RUN_RESOURCE_QUOTA_NAME}`,
    `LimitRange/${c.CODEXK8S_WORKER_RUN_LIMIT_RANGE_NAME}`,
    ...(c.CODEXK8S_RUN_NETWORK_POLICY_NAME ? [`NetworkPolicy/${c.CODEXK8S_RUN_NETWORK_POLICY_NAME}`] : []),
  ];
  return { names, managedByLabel: labelKeys(c.CODEXK8S_LABEL_DOMAIN).managedBy };
}
