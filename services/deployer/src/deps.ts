import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import type { ObjectApplier } from '@codex-k8s/kube';
import type { Logger } from '@codex-k8s/runtime';
import type { Config } from './config.js';
import type { PodReader } from './pod-failure.js';
import type { ReservedObjects } from './tenant-policy.js';

export const NAME = 'deployer';

/** Everything the handlers use, passed in explicitly (main.ts wires the real ones). */
export interface DeployerDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: Logger;
  readonly applier: ObjectApplier;
  readonly pods: PodReader;
  /** The platform's own objects in every slot (baseline names, managed-by label). */
  readonly reserved: ReservedObjects;
  readonly config: Pick<
    Config,
    | 'CODEXK8S_WORKER_SLOTS_PER_PROJECT'
    | 'CODEXK8S_WORKER_SLOT_LEASE_TTL_MS'
    | 'CODEXK8S_RUNTIME_DEPLOY_ENV'
    | 'CODEXK8S_AI_DOMAIN'
    | 'CODEXK8S_CLUSTER_ISSUER'
    | 'CODEXK8S_RUNTIME_DEPLOY_ROLLOUT_TIMEOUT_MS'
    | 'CODEXK8S_REPO_CACHE_DIR'
    | 'CODEXK8S_DEPLOY_POLL_MS'
    | 'CODEXK8S_DEPLOY_PULL_ERROR_GRACE_MS'
    | 'CODEXK8S_DEPLOY_RETRY_WINDOW_MS'
    | 'CODEXK8S_PLATFORM_NAMESPACE'
  >;
}
