import { RunCreatedV1, RunNamespacePreparedV1, SlotRedeployRequestedV1 } from '@codex-k8s/contracts';
import { consumeEvents, on, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { CoreV1Api } from '@kubernetes/client-node';
import { readConfig, reservedObjects } from './config.js';
import { NAME, type DeployerDeps } from './deps.js';
import { handleRedeployRequested } from './redeploy.js';
import { handleSlotPrepared } from './run-deploy.js';
import { handleSlotRunCreated } from './slot.js';

const config = readConfigOrExit(NAME, readConfig);
const kc = loadKubeConfig(config.KUBECONFIG);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => {
    const deps: DeployerDeps = { db, bus, log, applier: ObjectApplier.forConfig(kc), pods: kc.makeApiClient(CoreV1Api), reserved: reservedObjects(config), config };
    return [
      await consumeEvents(bus, {
        durable: NAME,
        // Waiting (for a slot, for a unit to get ready) is one redelivery per poll (RetryAfter), so deliveries are not
        // a retry budget here: each step ends the run itself once its deadline has passed (deployDeadline).
        config: { ...config, BUS_MAX_DELIVER: -1 },
        routes: [
          on(RunCreatedV1, (e, meta) => handleSlotRunCreated(deps, e, meta)),
          on(RunNamespacePreparedV1, (e, meta) => handleSlotPrepared(deps, e, meta)),
          // A staff redeploy belongs to a slot, not to a run: not a step of a run's route (packages/flow).
          on(SlotRedeployRequestedV1, (e, meta) => handleRedeployRequested(deps, e, meta)),
        ],
      }),
    ];
  },
});
