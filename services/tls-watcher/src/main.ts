import { SlotDeployedV1 } from '@codex-k8s/contracts';
import { consumeEvent, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { loadKubeConfig } from '@codex-k8s/kube';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { readConfig } from './config.js';
import { NAME, type WatcherDeps } from './deps.js';
import { handleSlotDeployed } from './watch.js';

const config = readConfigOrExit(NAME, readConfig);
const kc = loadKubeConfig(config.KUBECONFIG);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => {
    const deps: WatcherDeps = { db, bus, log, custom: kc.makeApiClient(CustomObjectsApi), timeoutMs: config.CODEXK8S_TLS_READY_TIMEOUT_MS, pollMs: config.CODEXK8S_TLS_POLL_INTERVAL_MS };
    return [
      await consumeEvent(bus, SlotDeployedV1, {
        durable: NAME,
        // Waiting for a certificate is one redelivery per poll (RetryAfter), so deliveries are not a retry budget here:
        // the handler itself ends the run when CODEXK8S_TLS_READY_TIMEOUT_MS has passed since the deploy.
        config: { ...config, BUS_MAX_DELIVER: -1 },
        handle: (e, meta) => handleSlotDeployed(deps, e, meta),
      }),
    ];
  },
});
