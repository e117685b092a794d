import { hostname } from 'node:os';
import { IssueRunsClosedV1, RunCanceledV1, RunCreatedV1, RunFailedV1, RunJobNotFoundV1, RunLaunchErrorV1, RunNamespaceDeleteRequestedV1, RunSucceededV1, SlotLeasedV1 } from '@codex-k8s/contracts';
import { consumeEvents, on, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { labelKeys, loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { CoreV1Api } from '@kubernetes/client-node';
import { baselineSpec, readConfig } from './config.js';
import { NAME, type ProvisionerDeps } from './deps.js';
import { handleDeleteRequested } from './delete-requested.js';
import { handleIssueRunsClosed } from './issue-closed.js';
import { handleRunCreated } from './run-created.js';
import { handleRunEnded } from './run-ended.js';
import { handleSlotLeased } from './slot-leased.js';
import { startSweeper } from './sweeper.js';

const config = readConfigOrExit(NAME, readConfig);
const kc = loadKubeConfig(config.KUBECONFIG);
// Handlers hold a connection only for short queries: more of them in flight than connections is fine.
const db = await openServiceDb(NAME, config.DATABASE_URL, Math.min(config.BUS_CONCURRENCY + 2, 10));

let sweeper: { close(): Promise<void> } | undefined;
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: async () => {
    await sweeper?.close();
    await db.destroy();
  },
  start: async (bus, log) => {
    const deps: ProvisionerDeps = {
      db,
      bus,
      log,
      core: kc.makeApiClient(CoreV1Api),
      objects: ObjectApplier.forConfig(kc),
      keys: labelKeys(config.CODEXK8S_LABEL_DOMAIN),
      baseline: baselineSpec(config),
      podSecurityLevel: config.CODEXK8S_RUN_POD_SECURITY_LEVEL,
      placement: { nodeSelector: config.CODEXK8S_WORKLOAD_NODE_SELECTOR, tolerations: config.CODEXK8S_WORKLOAD_TOLERATIONS },
      cleanupEnabled: config.CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP,
      platformNamespace: config.CODEXK8S_PLATFORM_NAMESPACE,
    };
    const consumer = await consumeEvents(bus, {
      durable: NAME,
      config,
      routes: [
        on(RunCreatedV1, (e, meta) => handleRunCreated(deps, e, meta)),
        on(SlotLeasedV1, (e, meta) => handleSlotLeased(deps, e, meta)),
        // The run's end: four inputs of one family, one step of the route, one handler.
        on(RunSucceededV1, (e) => handleRunEnded(deps, e)),
        on(RunFailedV1, (e) => handleRunEnded(deps, e)),
        on(RunJobNotFoundV1, (e) => handleRunEnded(deps, e)),
        on(RunLaunchErrorV1, (e) => handleRunEnded(deps, e)),
        on(RunCanceledV1, (e) => handleRunEnded(deps, e)),
        on(IssueRunsClosedV1, (e) => handleIssueRunsClosed(deps, e)),
        on(RunNamespaceDeleteRequestedV1, (e) => handleDeleteRequested(deps, e)),
      ],
    });
    sweeper = startSweeper(deps, {
      intervalMs: config.CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS,
      graceMs: config.CODEXK8S_NAMESPACE_SWEEP_GRACE_MS,
      stallTimeoutMs: config.CODEXK8S_RUN_STALL_TIMEOUT_MS,
      holder: `${hostname()}/${process.pid}`,
    });
    return [consumer];
  },
});
