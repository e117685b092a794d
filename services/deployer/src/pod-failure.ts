import { blockedContainerOf, newestPodsFirst, type BlockedContainer } from '@codex-k8s/kube';
import type { CoreV1Api, KubernetesObject, V1Pod } from '@kubernetes/client-node';

/** What the deployer reads of a slot's pods: their status and, for a crash loop, the end of the crashed log. */
export type PodReader = Pick<CoreV1Api, 'listNamespacedPod' | 'readNamespacedPodLog'>;

/** The log lines a failure carries, and how long each may be: enough to see why, small enough for an event. */
export const LOG_LINES = 20;
export const LOG_LINE_CHARS = 300;

/** A live workload as far as its pods are concerned. */
type Workload = KubernetesObject & { spec?: { selector?: { matchLabels?: Record<string, string> } }; status?: { updateRevision?: string } };

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

/**
 * The label selector of a workload's pods (its matchLabels; a Job's include the controller uid the apiserver adds),
 * or undefined for kinds that run no pods or a selector without matchLabels. Pure.
 */
export function podSelectorOf(o: Workload): string | undefined {
  if (!WORKLOADS.has(o.kind ?? '')) return undefined;
  const labels = Object.entries(o.spec?.selector?.matchLabels ?? {});
  return labels.length > 0 ? labels.map(([k, v]) => `${k}=${v}`).join(',') : undefined;
}

/**
 * Waiting reasons that may clear by themselves: the kubelet keeps pulling (a slow or briefly failing registry) and
 * keeps creating (a Secret or ConfigMap another object or an operator writes later), so they fail a unit only after
 * the grace.
 */
const MAY_CLEAR = new Set(['ErrImagePull', 'ImagePullBackOff', 'CreateContainerConfigError', 'CreateContainerError']);

/** When the pods a unit is judged by are looked at, and how long a condition that may clear is given. */
export interface PodJudgement {
  /** When the unit started (before its apply): older pods (a previous revision's) are not its own. */
  readonly since: Date;
  readonly now: Date;
  /** How long a pod may keep failing to pull (or to create its container) before the unit fails. */
  readonly pullGraceMs: number;
}

/**
 * Whether a blocked container fails its unit now rather than at the rollout timeout: at once for an image the node
 * will never have, an invalid image name or a container that cannot run; a crash loop once the container was
 * restarted and crashed again (one crash while a dependency comes up is forgiven); a condition that may clear once
 * its pod is older than the grace. Pure.
 */
export function failsUnit(b: BlockedContainer, podAgeMs: number, pullGraceMs: number): boolean {
  if (b.reason === 'CrashLoopBackOff') return b.restarts >= 1;
  if (MAY_CLEAR.has(b.reason)) return podAgeMs >= pullGraceMs;
  return true;
}

/** How much older than the unit's start a pod may be and still be its own (creation times are whole seconds). */
export const APPLY_SKEW_MS = 2_000;

const createdAt = (p: V1Pod): number => new Date(p.metadata?.creationTimestamp ?? 0).getTime();

/**
 * The pods of the workload's current revision: a StatefulSet's of its update revision; a Deployment's (pods of
 * several ReplicaSets during a rollout) those of the owner of the newest pod; all otherwise. Pure.
 */
export function currentRevisionPods(live: Workload, pods: readonly V1Pod[]): V1Pod[] {
  if (live.kind === 'StatefulSet' && live.status?.updateRevision) {
    return pods.filter((p) => p.metadata?.labels?.['controller-revision-hash'] === live.status?.updateRevision);
  }
  const newest = newestPodsFirst(pods)[0];
  const owner = newest?.metadata?.ownerReferences?.find((r) => r.controller)?.uid;
  if (live.kind !== 'Deployment' || !owner) return [...pods];
  return pods.filter((p) => p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === owner));
}

/**
 * The first blocked container that fails the unit (failsUnit) among the pods of the workload's current revision
 * created since the unit started (less APPLY_SKEW_MS), newest pod first. Pure.
 */
export function failingContainer(live: Workload, pods: readonly V1Pod[], j: PodJudgement): BlockedContainer | undefined {
  const from = j.since.getTime() - APPLY_SKEW_MS;
  for (const pod of newestPodsFirst(currentRevisionPods(live, pods.filter((p) => createdAt(p) >= from)))) {
    const b = blockedContainerOf(pod);
    if (b && failsUnit(b, j.now.getTime() - createdAt(pod), j.pullGraceMs)) return b;
  }
  return undefined;
}

/** Text a tenant controls, made safe to show: control and format characters (escapes, bidi overrides) removed but tabs, cut. Pure. */
export function cleanText(s: string, max: number): string {
  return s.replace(/(?!\t)[\p{Cc}\p{Cf}]/gu, '').slice(0, max);
}

/** The last LOG_LINES non-empty lines of a log, each cleaned (cleanText) to LOG_LINE_CHARS. Pure. */
export function lastLogLines(log: string): string[] {
  return log
    .split('\n')
    .map((l) => cleanText(l, LOG_LINE_CHARS))
    .filter((l) => l.trim() !== '')
    .slice(-LOG_LINES);
}

/** The failure in words: the object, pod, container, the kubelet's reason and message, and the log's last lines. Pure. */
export function podFailureText(object: string, b: BlockedContainer, log: readonly string[]): string {
  const facts = [b.lastExitCode === null ? undefined : `exit code ${b.lastExitCode}`, b.restarts > 0 ? `restarted ${b.restarts} times` : undefined].filter(Boolean);
  const head = `${object}: pod ${b.pod} container ${b.container} ${b.reason}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}${b.message ? `: ${cleanText(b.message, LOG_LINE_CHARS)}` : ''}`;
  return log.length > 0 ? `${head}\nlast log lines of ${b.container}:\n${log.join('\n')}` : head;
}

/**
 * Looks once at the pods of a workload that is not ready: the failure text when one of its current revision's pods
 * cannot get ready by waiting (failingContainer), else undefined. For a crash the log of the instance that crashed is
 * read; a log that cannot be read leaves the lines out. Best effort: pods that cannot be listed (an apiserver error,
 * a permission not granted yet) are no failure; the rollout timeout still applies.
 */
export async function podFailureOf(reader: PodReader, live: Workload, j: PodJudgement): Promise<string | undefined> {
  const selector = podSelectorOf(live);
  const namespace = live.metadata?.namespace;
  if (!selector || !namespace) return undefined;
  const pods = await reader.listNamespacedPod({ namespace, labelSelector: selector }).then((l) => l.items, () => undefined);
  const blocked = pods && failingContainer(live, pods, j);
  if (!blocked) return undefined;
  const log = blocked.lastExitCode === null ? '' : await reader.readNamespacedPodLog({ name: blocked.pod, namespace, container: blocked.container, previous: true, tailLines: LOG_LINES, limitBytes: 64 * 1024 }).catch(() => '');
  return podFailureText(`${live.kind ?? ''}/${live.metadata?.name ?? ''} in ${namespace}`, blocked, lastLogLines(log));
}
