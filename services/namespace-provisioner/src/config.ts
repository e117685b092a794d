import { BaselineEnv, KubeEnv, PlacementEnv, type BaselineSpec } from '@codex-k8s/kube';
import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const Env = BaseEnv.extend(KubeEnv.shape)
  .extend(BaselineEnv.shape)
  .extend(PlacementEnv.shape)
  .extend({
    DATABASE_URL: z.string().min(1),
    /**
     * Messages handled at once across its inputs. Its handlers wait on the apiserver, not on CPU or the database, so a
     * burst of runs needs more in flight than the platform default to keep up with what the apiserver can take.
     */
    BUS_CONCURRENCY: envSchemas.positiveInt(16),
    /** Delete the run namespace when the run ends (reference default true). */
    CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP: envSchemas.bool(true),
    /**
     * Pod Security Admission level enforced on run namespaces. Never `privileged` or none (the cluster default is
     * usually privileged): the admission policy of deploy/base refuses such a namespace, so it stops the start instead.
     */
    CODEXK8S_RUN_POD_SECURITY_LEVEL: z.enum(['baseline', 'restricted'], { message: 'baseline or restricted' }).default('baseline'),
    /** How often the sweeper looks for namespaces whose run has ended. */
    CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS: envSchemas.positiveInt(60_000),
    /** The sweeper acts only on runs that ended longer ago than this (the run's own end cleans up first). */
    CODEXK8S_NAMESPACE_SWEEP_GRACE_MS: envSchemas.positiveInt(120_000),
    /**
     * A live run without any progress (row, flow event, deploy task) for this long is ended as `run_stalled` and
     * cleaned up. Longer than the slowest legitimate step (rollout 20 min, TLS 5 min, Job deadline 15 min).
     */
    CODEXK8S_RUN_STALL_TIMEOUT_MS: envSchemas.positiveInt(30 * 60_000),
  });

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place namespace-provisioner reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);

/** The baseline names and quantities from the config. */
export function baselineSpec(c: Config): BaselineSpec {
  return {
    serviceAccount: c.CODEXK8S_WORKER_RUN_SERVICE_ACCOUNT,
    role: c.CODEXK8S_WORKER_RUN_ROLE_NAME,
    roleBinding: c.CODEXK8S_WORKER_RUN_ROLE_BINDING_NAME,
    resourceQuota: c.CODEXK8S_WORKER_RUN_RESOURCE_QUOTA_NAME,
    limitRange: c.CODEXK8S_WORKER_RUN_LIMIT_RANGE_NAME,
    quota: {
      pods: c.CODEXK8S_WORKER_RUN_QUOTA_PODS,
      requestsCpu: c.CODEXK8S_WORKER_RUN_QUOTA_REQUESTS_CPU,
      requestsMemory: c.CODEXK8S_WORKER_RUN_QUOTA_REQUESTS_MEMORY,
      limitsCpu: c.CODEXK8S_WORKER_RUN_QUOTA_LIMITS_CPU,
      limitsMemory: c.CODEXK8S_WORKER_RUN_QUOTA_LIMITS_MEMORY,
    },
    limits: {
      defaultRequestCpu: c.CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_CPU,
      defaultRequestMemory: c.CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_REQUEST_MEMORY,
      defaultCpu: c.CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_CPU,
      defaultMemory: c.CODEXK8S_WORKER_RUN_LIMIT_DEFAULT_MEMORY,
    },
    networkPolicy: c.CODEXK8S_RUN_NETWORK_POLICY_NAME || null,
    ingressFromNamespaces: c.CODEXK8S_INGRESS_NAMESPACES,
    egressBlockedCidrs: c.CODEXK8S_RUN_EGRESS_BLOCKED_CIDRS,
    platformNamespace: c.CODEXK8S_PLATFORM_NAMESPACE,
  };
}
