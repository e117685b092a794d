import type { V1Pod } from '@kubernetes/client-node';

/** Waiting reasons after which a container does not start by itself (or only after a back-off the caller may not want to wait out). */
const TERMINAL_WAITING = new Set(['ErrImagePull', 'ErrImageNeverPull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'CrashLoopBackOff']);

/** A container of a pod that waits for something that will not come: the kubelet's reason and message. */
export interface BlockedContainer {
  readonly pod: string;
  readonly container: string;
  readonly reason: string;
  readonly message: string | null;
  /** How often the kubelet restarted it (a crash loop has restarted at least once). */
  readonly restarts: number;
  /** The exit code of its last run, when it ran and ended. */
  readonly lastExitCode: number | null;
}

/**
 * The first container (init containers first) of a pod whose waiting reason is terminal or a back-off, if any. Pure.
 */
export function blockedContainerOf(pod: V1Pod): BlockedContainer | undefined {
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const w = cs.state?.waiting;
    if (w?.reason && (TERMINAL_WAITING.has(w.reason) || w.reason.includes('BackOff'))) {
      return { pod: pod.metadata?.name ?? '', container: cs.name, reason: w.reason, message: w.message ?? null, restarts: cs.restartCount, lastExitCode: cs.lastState?.terminated?.exitCode ?? null };
    }
  }
  return undefined;
}
