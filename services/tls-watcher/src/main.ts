import { SlotDeployedV1 } from '@codex-k8s/contracts';
import { consumeEvent, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { loadKubeConfig } from '@codex-k8s/kube';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { readConfig } from './config.js';
import { handleSlotDeployed } from './watch.js';

const NAME = 'tls-watcher';
const config = readConfigOrExit(NAME, readConfig);
const kc = loadKubeConfig(config.KUBECONFIG);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => [
    await consumeEvent(bus, SlotDeployedV1, {
      durable: NAME,
      config,
      handle: (e) => handleSlotDeployed({ db, bus, log, custom: kc.makeApiClient(CustomObjectsApi), timeoutMs: config.CODEXK8S_TLS_READY_TIMEOUT_MS, pollMs: config.CODEXK8S_TLS_POLL_INTERVAL_MS }, e),
    }),
  ],
});
