import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import type { Logger } from '@codex-k8s/runtime';
import type { CustomObjectsApi } from '@kubernetes/client-node';

export const NAME = 'tls-watcher';

/** Everything the handler uses, passed in explicitly (main.ts wires the real ones). */
export interface WatcherDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: Logger;
  readonly custom: CustomObjectsApi;
  /** How long after slot.deployed the certificate may still be pending before the run fails. */
  readonly timeoutMs: number;
  readonly pollMs: number;
}
