import {
  IssueRunsClosedV1,
  RunCreatedV1,
  RunFailedV1,
  RunJobNotFoundV1,
  RunLaunchErrorV1,
  RunSucceededV1,
  SlotLeasedV1,
  type Envelope,
} from '@codex-k8s/contracts';
import { consumeEvents, on, runService, type MessageMeta } from '@codex-k8s/bus';
import { getRun, openServiceDb, pingDb } from '@codex-k8s/db';
import { labelKeys, loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { CoreV1Api } from '@kubernetes/client-node';
import { cleanupRunNamespace, type RunRef } from './cleanup.js';
import { baselineSpec, readConfig } from './config.js';
import { NAME, type ProvisionerDeps } from './deps.js';
import { handleRunCreated, handleSlotLeased } from './prepare.js';
import { releaseRunSlot } from './slot-release.js';
import { startSweeper } from './sweeper.js';

const config = readConfigOrExit(NAME, readConfig);
const kc = loadKubeConfig(config.KUBECONFIG);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);

const onRunEnded = (deps: ProvisionerDeps) => async (e: Envelope<RunRef>, meta: MessageMeta) => {
  const run = await getRun(db, e.data.run_id);
  if (run?.runtime_deploy) return releaseRunSlot(deps, run, { correlationId: e.correlationid, causationId: e.id });
  return cleanupRunNamespace(deps, e.data, { trigger: 'run_finished', correlationId: e.correlationid, causationId: e.id, attempt: meta.deliveryCount });
};

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
      cleanupEnabled: config.CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP,
      platformNamespace: config.CODEXK8S_PLATFORM_NAMESPACE,
    };
    const consumer = await consumeEvents(bus, {
      durable: NAME,
      config,
      routes: [
        on(RunCreatedV1, (e, meta) => handleRunCreated(deps, e, meta)),
        on(SlotLeasedV1, (e, meta) => handleSlotLeased(deps, e, meta)),
        on(RunSucceededV1, onRunEnded(deps)),
        on(RunFailedV1, onRunEnded(deps)),
        on(RunJobNotFoundV1, onRunEnded(deps)),
        on(RunLaunchErrorV1, onRunEnded(deps)),
        on(IssueRunsClosedV1, async (e, meta) => {
          for (const runId of e.data.run_ids) {
            const run = await getRun(db, runId);
            // Slot namespaces are shared by the project's runs and kept; closing one issue never deletes them.
            if (!run?.project_id || !run.runtime_mode || run.runtime_deploy) continue;
            await cleanupRunNamespace(
              deps,
              { run_id: run.id, project_id: run.project_id, runtime_mode: run.runtime_mode, namespace: run.namespace },
              { trigger: 'issue_closed', correlationId: e.correlationid, causationId: e.id, attempt: meta.deliveryCount },
            );
          }
        }),
      ],
    });
    sweeper = startSweeper(deps, config.CODEXK8S_NAMESPACE_SWEEP_INTERVAL_MS);
    return [consumer];
  },
});
