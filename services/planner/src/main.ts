import { WebhookReceivedV1 } from '@codex-k8s/contracts';
import { consumeEvent, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { readConfig } from './config.js';
import { buildLabelCatalog } from './labels.js';
import { handleWebhookReceived } from './plan.js';

const NAME = 'planner';
const config = readConfigOrExit(NAME, readConfig);
const catalog = buildLabelCatalog(process.env);
// Handlers hold a connection only for short queries: more of them in flight than connections is fine.
const db = await openServiceDb(NAME, config.DATABASE_URL, Math.min(config.BUS_CONCURRENCY + 2, 10));
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => [
    await consumeEvent(bus, WebhookReceivedV1, {
      durable: NAME,
      config,
      handle: (event, meta) => handleWebhookReceived({ db, bus, log, catalog, namespacePrefix: config.CODEXK8S_WORKER_RUN_NAMESPACE_PREFIX, fullEnvKinds: config.CODEXK8S_FULL_ENV_TRIGGER_KINDS }, event, meta),
    }),
  ],
});
