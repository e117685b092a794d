import type { V1ContainerStatus, V1Job, V1Pod, V1Secret } from '@kubernetes/client-node';
import { MANAGED_BY, type LabelKeys } from './labels.js';
import { toLabelValue } from './names.js';
import { blockedContainerOf } from './pod-state.js';

export interface AgentJobSpec {
  readonly name: string;
  readonly namespace: string;
  readonly runId: string;
  readonly projectId: string;
  readonly correlationId: string;
  readonly runtimeMode: 'full-env' | 'code-only';
  readonly slotNo: number;
  /** The run ServiceAccount (full-env) or null (code-only: the namespace default). */
  readonly serviceAccount: string | null;
  readonly image: string;
  readonly command: string;
  readonly backoffLimit: number;
  readonly ttlSecondsAfterFinished: number;
  readonly activeDeadlineSeconds: number;
  readonly env?: Readonly<Record<string, string>>;
  /** The agent contract: the gateway URL and the run's token Secret, mounted as a file (agentTokenSecretName). */
  readonly agent?: {
    readonly gatewayUrl: string;
    readonly tokenSecret: string;
    /** A runner in the image that runs the command and reports to the gateway; unset: `sh -c <command>` itself. */
    readonly runner?: string;
  };
}

/** Where the agent's token file is mounted, and its name there. */
export const AGENT_TOKEN_MOUNT = '/var/run/secrets/codex-k8s/agent';
export const AGENT_TOKEN_FILE = `${AGENT_TOKEN_MOUNT}/token`;
const TOKEN_VOLUME = 'agent-token';

/** The name of a run's token Secret (the admission policy pins agent-launcher to exactly this name). Pure. */
export function agentTokenSecretName(runId: string): string {
  return `codex-k8s-agent-token-${toLabelValue(runId)}`;
}

/**
 * A run's token Secret, owned by its Job (so a code-only run's Secret in the platform namespace goes with the Job's
 * TTL; a run namespace's goes with the namespace). Pure.
 */
export function buildAgentTokenSecret(o: { runId: string; namespace: string; token: string; job: { name: string; uid: string } }, keys: LabelKeys): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: agentTokenSecretName(o.runId),
      namespace: o.namespace,
      labels: { 'app.kubernetes.io/name': 'codex-k8s-run', 'app.kubernetes.io/managed-by': MANAGED_BY, [keys.runId]: toLabelValue(o.runId) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: o.job.name, uid: o.job.uid }],
    },
    type: 'Opaque',
    stringData: { token: o.token },
  };
}

/** The uid and gid agent containers run as: not root, and no user of a typical image (distroless's `nonroot`). */
export const AGENT_UID = 65532;

/**
 * The agent Job of a run (reference 5.3). Pure. Its pod satisfies Pod Security `restricted` (code-only runs land
 * in the platform namespace, which enforces it): a fixed non-root uid, RuntimeDefault seccomp, no privilege
 * escalation, no capabilities.
 */
export function buildAgentJob(spec: AgentJobSpec, keys: LabelKeys): V1Job {
  const runLabel = toLabelValue(spec.runId);
  const env: Record<string, string> = {
    CODEXK8S_RUN_ID: spec.runId,
    CODEXK8S_CORRELATION_ID: spec.correlationId,
    CODEXK8S_PROJECT_ID: spec.projectId,
    CODEXK8S_SLOT_NO: String(spec.slotNo),
    CODEXK8S_RUNTIME_MODE: spec.runtimeMode,
    ...spec.env,
    ...(spec.agent ? { CODEXK8S_AGENT_GATEWAY_URL: spec.agent.gatewayUrl, CODEXK8S_AGENT_TOKEN_FILE: AGENT_TOKEN_FILE } : {}),
    ...(spec.agent?.runner ? { CODEXK8S_AGENT_COMMAND: spec.command } : {}),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: {
        'app.kubernetes.io/name': 'codex-k8s-run',
        'app.kubernetes.io/managed-by': MANAGED_BY,
        [keys.runId]: runLabel,
        [keys.projectId]: toLabelValue(spec.projectId),
      },
      annotations: { [keys.correlationId]: spec.correlationId },
    },
    spec: {
      backoffLimit: spec.backoffLimit,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'codex-k8s-run', [keys.runId]: runLabel } },
        spec: {
          restartPolicy: 'Never',
          // The sandbox's init is PID 1 and `sh -c` an ordinary process: a stop (cancel, namespace deletion) ends it
          // at once instead of after the grace period (a shell as PID 1 ignores SIGTERM).
          shareProcessNamespace: true,
          ...(spec.serviceAccount ? { serviceAccountName: spec.serviceAccount } : {}),
          securityContext: { runAsNonRoot: true, runAsUser: AGENT_UID, runAsGroup: AGENT_UID, seccompProfile: { type: 'RuntimeDefault' } },
          // The token as a read-only file (never an env var, which `env` or a crash dump would show).
          ...(spec.agent ? { volumes: [{ name: TOKEN_VOLUME, secret: { secretName: spec.agent.tokenSecret, defaultMode: 0o444 } }] } : {}),
          containers: [
            {
              name: 'run',
              image: spec.image,
              command: spec.agent?.runner ? [spec.agent.runner] : ['sh', '-c', spec.command],
              env: Object.entries(env).map(([name, value]) => ({ name, value })),
              ...(spec.agent ? { volumeMounts: [{ name: TOKEN_VOLUME, mountPath: AGENT_TOKEN_MOUNT, readOnly: true }] } : {}),
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

export interface JobVerdict {
  readonly state: 'pending' | 'running' | 'succeeded' | 'failed';
  readonly reason: string | null;
  readonly error: string | null;
}

export interface JobObservation {
  readonly job: V1Job;
  readonly pods: readonly V1Pod[];
  /** The Job's latest FailedCreate event (pods refused, e.g. by quota), if any. */
  readonly failedCreate: { readonly message: string; readonly firstSeen: Date } | null;
  readonly now: Date;
  readonly createDeadlineMs: number;
}

const SUCCEEDED: JobVerdict = { state: 'succeeded', reason: null, error: null };

function fromJobStatus(job: V1Job): JobVerdict | undefined {
  const cond = (...types: string[]) => job.status?.conditions?.find((c) => types.includes(c.type) && c.status === 'True');
  if (cond('Complete', 'SuccessCriteriaMet')) return SUCCEEDED;
  const failed = cond('Failed', 'FailureTarget');
  if (failed) return { state: 'failed', reason: 'kubernetes job failed', error: [failed.reason, failed.message].filter(Boolean).join(': ') || null };
  if ((job.status?.succeeded ?? 0) > 0) return SUCCEEDED;
  if ((job.status?.failed ?? 0) > 0) return { state: 'failed', reason: 'kubernetes job failed', error: null };
  return undefined;
}

function fromPod(pod: V1Pod): JobVerdict | undefined {
  if (pod.status?.phase === 'Failed') return { state: 'failed', reason: 'kubernetes job failed', error: pod.status.message ?? pod.status.reason ?? 'pod failed' };
  const blocked = blockedContainerOf(pod);
  return blocked ? { state: 'failed', reason: blocked.reason, error: blocked.message } : undefined;
}

/** Pods by creation time, newest first (the client gives Dates, the wire strings: both compared as instants). Pure. */
export function newestPodsFirst(pods: readonly V1Pod[]): V1Pod[] {
  const at = (p: V1Pod): number => new Date(p.metadata?.creationTimestamp ?? 0).getTime() || 0;
  return [...pods].sort((a, b) => at(b) - at(a));
}

/**
 * The exit code of the agent container (`run`, else the first) in the Job's newest pod that has one: the current
 * state when it terminated, else the last (a container restarted after it ended). Null when none ran to an end. Pure.
 */
export function exitCodeOf(pods: readonly V1Pod[]): number | null {
  for (const pod of newestPodsFirst(pods)) {
    const code = agentExitCode(pod.status?.containerStatuses ?? []);
    if (code !== undefined) return code;
  }
  return null;
}

function agentExitCode(statuses: readonly V1ContainerStatus[]): number | undefined {
  const cs = statuses.find((c) => c.name === 'run') ?? statuses[0];
  return cs?.state?.terminated?.exitCode ?? cs?.lastState?.terminated?.exitCode;
}

/**
 * Maps a Job, its pods and the Job's latest FailedCreate event to the run state (reference 5.4), pure:
 * Complete/Failed conditions, then counters, then pod phases and waiting reasons (a pull error fails the run
 * early instead of waiting for the deadline), then pods that cannot be created (quota) past the deadline.
 */
export function judgeJob(o: JobObservation): JobVerdict {
  const byStatus = fromJobStatus(o.job);
  if (byStatus) return byStatus;
  for (const pod of o.pods) {
    const byPod = fromPod(pod);
    if (byPod) return byPod;
  }
  if ((o.job.status?.active ?? 0) > 0 || o.pods.length > 0) return { state: 'running', reason: null, error: null };
  const fc = o.failedCreate;
  if (fc && o.now.getTime() - fc.firstSeen.getTime() >= o.createDeadlineMs) return { state: 'failed', reason: 'FailedCreate', error: fc.message };
  return { state: 'pending', reason: null, error: null };
}
