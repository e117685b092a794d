import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import type { LabelKeys, ObjectApplier } from '@codex-k8s/kube';
import type { Logger } from '@codex-k8s/runtime';
import type { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { PlacementSettings } from './target.js';

export const NAME = 'agent-launcher';

export interface JobSettings {
  readonly image: string;
  readonly command: string;
  readonly backoffLimit: number;
  readonly ttlSecondsAfterFinished: number;
  readonly activeDeadlineSeconds: number;
  readonly createDeadlineMs: number;
}

/** The agent contract's settings: where the gateway is, the runner in the image, how long a token outlives the Job. */
export interface AgentSettings {
  readonly gatewayUrl: string;
  /** Empty: no runner, the command runs itself and is not expected to report. */
  readonly runner: string;
  readonly tokenGraceSeconds: number;
}

/** Everything the handlers use, passed in explicitly (main.ts wires the real ones). */
export interface LauncherDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: Logger;
  readonly batch: BatchV1Api;
  readonly core: CoreV1Api;
  /** Server-side apply of the run's token Secret. */
  readonly objects: Pick<ObjectApplier, 'apply'>;
  readonly keys: LabelKeys;
  /** Where Jobs may go and as whom (platform namespace, code-only and run ServiceAccounts). */
  readonly placement: PlacementSettings;
  readonly job: JobSettings;
  readonly agent: AgentSettings;
}
