import { allSubjects } from '@codex-k8s/contracts';
import { decodeEnvelope, runConsumer, runDeadLetterCapture, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { readConfig } from './config.js';
import { recordEvent } from './record.js';

const NAME = 'audit-writer';
const config = readConfigOrExit(NAME, readConfig);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus) => [
    await runConsumer(bus, {
      durable: NAME,
      filterSubjects: [allSubjects(bus.subjectRoot)],
      decode: decodeEnvelope,
      handle: async (env, meta) => {
        await recordEvent(db, env, meta.streamSeq);
      },
      concurrency: config.BUS_CONCURRENCY,
      ackWaitMs: config.BUS_ACK_WAIT_MS,
      maxDeliver: config.BUS_MAX_DELIVER,
      backoffMs: [250, 1_000, 2_000, 5_000],
    }),
    await runDeadLetterCapture(bus, { durable: `${NAME}-dead-letters`, ackWaitMs: config.BUS_ACK_WAIT_MS }),
  ],
});
