import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import type { BaselineSpec, LabelKeys, WorkloadPlacement } from '@codex-k8s/kube';
import type { Logger } from '@codex-k8s/runtime';
import type { ObjectApplier } from '@codex-k8s/kube';
import type { CoreV1Api } from '@kubernetes/client-node';

export const NAME = 'namespace-provisioner';

/** Everything the handlers use, passed in explicitly (main.ts wires the real ones). */
export interface ProvisionerDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: Logger;
  readonly core: CoreV1Api;
  readonly objects: ObjectApplier;
  readonly keys: LabelKeys;
  readonly baseline: BaselineSpec;
  /** Pod Security `enforce` level of every managed namespace (the admission policy accepts baseline or restricted). */
  readonly podSecurityLevel: 'baseline' | 'restricted';
  /** Which nodes every pod of a run or slot namespace may run on (namespace annotations read by admission). */
  readonly placement: WorkloadPlacement;
  readonly cleanupEnabled: boolean;
  readonly platformNamespace: string;
}
