import { RunCancelRequestedV1, RunCreatedV1, RunNamespacePreparedV1, SlotReadyV1 } from '@codex-k8s/contracts';
import { consumeEvents, on, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { labelKeys, loadKubeConfig, ObjectApplier } from '@codex-k8s/kube';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { readConfig } from './config.js';
import { NAME, type LauncherDeps } from './deps.js';
import { startFollower } from './follow.js';
import { handleCancelRequested } from './cancel-requested.js';
import { handleNamespacePrepared } from './namespace-prepared.js';
import { handleRunCreated } from './run-created.js';
import { handleSlotReady } from './slot-ready.js';

const config = readConfigOrExit(NAME, readConfig);
const kc = loadKubeConfig(config.KUBECONFIG);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);

let follower: { close(): Promise<void> } | undefined;
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: async () => {
    await follower?.close();
    await db.destroy();
  },
  start: async (bus, log) => {
    const deps: LauncherDeps = {
      db,
      bus,
      log,
      batch: kc.makeApiClient(BatchV1Api),
      core: kc.makeApiClient(CoreV1Api),
      objects: ObjectApplier.forConfig(kc),
      keys: labelKeys(config.CODEXK8S_LABEL_DOMAIN),
      placement: {
        platformNamespace: config.CODEXK8S_PLATFORM_NAMESPACE,
        codeOnlyServiceAccount: config.CODEXK8S_CODE_ONLY_SERVICE_ACCOUNT,
        runServiceAccount: config.CODEXK8S_WORKER_RUN_SERVICE_ACCOUNT,
      },
      job: {
        image: config.CODEXK8S_WORKER_JOB_IMAGE,
        command: config.CODEXK8S_WORKER_JOB_COMMAND,
        backoffLimit: config.CODEXK8S_WORKER_JOB_BACKOFF_LIMIT,
        ttlSecondsAfterFinished: config.CODEXK8S_WORKER_JOB_TTL_SECONDS,
        activeDeadlineSeconds: config.CODEXK8S_WORKER_JOB_ACTIVE_DEADLINE_SECONDS,
        createDeadlineMs: config.CODEXK8S_JOB_CREATE_DEADLINE_MS,
      },
      agent: {
        gatewayUrl: config.CODEXK8S_AGENT_GATEWAY_URL,
        runner: config.CODEXK8S_WORKER_JOB_RUNNER,
        tokenGraceSeconds: config.CODEXK8S_AGENT_TOKEN_GRACE_SECONDS,
      },
    };
    const consumer = await consumeEvents(bus, {
      durable: NAME,
      config,
      routes: [
        // Each input only asks; the run's route (packages/flow, kind from the row) says whether it starts the Job.
        on(RunCreatedV1, (e, meta) => handleRunCreated(deps, e, meta)),
        on(RunNamespacePreparedV1, (e, meta) => handleNamespacePrepared(deps, e, meta)),
        on(SlotReadyV1, (e, meta) => handleSlotReady(deps, e, meta)),
        on(RunCancelRequestedV1, (e) => handleCancelRequested(deps, e)),
      ],
    });
    follower = startFollower(deps, kc, { intervalMs: config.CODEXK8S_JOB_RESYNC_INTERVAL_MS, concurrency: config.BUS_CONCURRENCY });
    return [consumer];
  },
});
