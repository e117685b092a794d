import { blockedContainerOf, newestPodsFirst, type BlockedContainer } from '@codex-k8s/kube';
import type { CoreV1Api, KubernetesObject, V1Pod } from '@kubernetes/client-node';

/** What the deployer reads of a slot's pods: their status and, for a crash loop, the end of the crashed log. */
export type PodReader = Pick<CoreV1Api, 'listNamespacedPod' | 'readNamespacedPodLog'>;

/** The log lines a failure carries, and how long each may be: enough to see why, small enough for an event. */
export const LOG_LINES = 20;
export const LOG_LINE_CHARS = 300;

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

/**
 * The label selector of a workload's pods (its matchLabels; a Job's include the controller uid the apiserver adds),
 * or undefined for kinds that run no pods or a selector without matchLabels. Pure.
 */
export function podSelectorOf(o: KubernetesObject & { spec?: { selector?: { matchLabels?: Record<string, string> } } }): string | undefined {
  if (!WORKLOADS.has(o.kind ?? '')) return undefined;
  const labels = Object.entries(o.spec?.selector?.matchLabels ?? {});
  return labels.length > 0 ? labels.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
}

/** Waiting reasons a registry may still cure: the kubelet keeps pulling, so these fail a unit only after a grace. */
const PULL_ERRORS = new Set(['ErrImagePull', 'ImagePullBackOff']);

/** When the pods a unit is judged by are looked at, and how long a pull error is given to clear. */
export interface PodJudgement {
  /** The unit's apply: older pods (a rolling update's previous revision) are not its own. */
  readonly since: Date;
  readonly now: Date;
  /** How long a pod may keep failing to pull before the unit fails (a slow or briefly failing registry recovers). */
  readonly pullGraceMs: number;
}

/**
 * Whether a blocked container fails its unit now rather than at the rollout timeout: at once for an image the node
 * will never have or a container that cannot be created; a crash loop once the container was restarted and crashed
 * again (one crash while a dependency comes up is forgiven); a pull error once its pod is older than the grace. Pure.
 */
export function failsUnit(b: BlockedContainer, podAgeMs: number, pullGraceMs: number): boolean {
  if (b.reason === 'CrashLoopBackOff') return b.restarts >= 1;
  if (PULL_ERRORS.has(b.reason)) return podAgeMs >= pullGraceMs;
  return true;
}

/** How much older than the apply a pod may be and still count as the apply's own (clocks and whole seconds). */
export const APPLY_SKEW_MS = 5_000;

/**
 * The first blocked container that fails the unit (failsUnit) among a workload's pods created since the apply (less
 * APPLY_SKEW_MS: a rolling update's old pods, broken or not, are not this deploy's), newest pod first. Pure.
 */
export function failingContainer(pods: readonly V1Pod[], j: PodJudgement): BlockedContainer | undefined {
  const from = j.since.getTime() - APPLY_SKEW_MS;
  for (const pod of newestPodsFirst(pods)) {
    const created = new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
    if (created < from) break;
    const b = blockedContainerOf(pod);
    if (b && failsUnit(b, j.now.getTime() - created, j.pullGraceMs)) return b;
  }
  return undefined;
}

const isControl = (c: string): boolean => {
  const code = c.charCodeAt(0);
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
};

/** The last LOG_LINES lines of a log, each cut to LOG_LINE_CHARS, control characters but tabs (terminal escapes) removed. Pure. */
export function lastLogLines(log: string): string[] {
  return log
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-LOG_LINES)
    .map((l) => [...l].filter((c) => !isControl(c)).join('').slice(0, LOG_LINE_CHARS));
}

/** The failure in words: the object, pod, container, the kubelet's reason and message, and the log's last lines. Pure. */
export function podFailureText(object: string, b: BlockedContainer, log: readonly string[]): string {
  const facts = [b.lastExitCode === null ? undefined : `exit code ${b.lastExitCode}`, b.restarts > 0 ? `restarted ${b.restarts} times` : undefined].filter(Boolean);
  const head = `${object}: pod ${b.pod} container ${b.container} ${b.reason}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}${b.message ? `: ${b.message.slice(0, LOG_LINE_CHARS)}` : ''}`;
  return log.length > 0 ? `${head}\nlast log lines of ${b.container}:\n${log.join('\n')}` : head;
}

/**
 * Looks once at the pods a workload that is not ready created since its apply: the failure text when one of them
 * cannot get ready by waiting (failingContainer), else undefined. For a crash the log of the instance that crashed
 * is read; a log that cannot be read leaves the lines out.
 */
export async function podFailureOf(reader: PodReader, live: KubernetesObject, j: PodJudgement): Promise<string | undefined> {
  const selector = podSelectorOf(live);
  const namespace = live.metadata?.namespace;
  if (!selector || !namespace) return undefined;
  const pods = (await reader.listNamespacedPod({ namespace, labelSelector: selector })).items;
  const blocked = failingContainer(pods, j);
  if (!blocked) return undefined;
  const log = blocked.lastExitCode === null ? '' : await reader.readNamespacedPodLog({ name: blocked.pod, namespace, container: blocked.container, previous: true, tailLines: LOG_LINES, limitBytes: 64 * 1024 }).catch(() => '');
  return podFailureText(`${live.kind ?? ''}/${live.metadata?.name ?? ''} in ${namespace}`, blocked, lastLogLines(log));
}
