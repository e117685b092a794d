import { WebhookReceivedV1 } from '@codex-k8s/contracts';
import { consumeEvent, runService } from '@codex-k8s/bus';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { readConfig } from './config.js';

// Foundation stage: connects, consumes its input subject and acknowledges; the behaviour comes with later issues.
const NAME = 'planner';
const config = readConfigOrExit(NAME, readConfig);
await runService({
  name: NAME,
  config,
  start: async (bus, log) => [
    await consumeEvent(bus, WebhookReceivedV1, {
      durable: NAME,
      config,
      handle: async (event) => {
        log.info({ type: event.type, correlation: event.correlationid }, 'received (not acted on yet)');
      },
    }),
  ],
});
