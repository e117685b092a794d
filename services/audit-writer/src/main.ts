import { DEAD_LETTER_CONSUMER, DeadLetterRetryRequestedV1, RECORDER, RECORDER_CONSUMER, allSubjects } from '@codex-k8s/contracts';
import { checkSource, consumeEvents, decodeEnvelope, on, runBatchConsumer, runDeadLetterCapture, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { readConfigOrExit } from '@codex-k8s/runtime';
import { readConfig } from './config.js';
import { dbWriter, recordBatch } from './record.js';
import { handleRetryRequested } from './retry.js';

const NAME = RECORDER;
const config = readConfigOrExit(NAME, readConfig);
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY + 2);
const writer = dbWriter(db);
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  // The recorder creates and updates the event and dead-letter streams; every other service only waits for them.
  manageStreams: true,
  start: async (bus, log) => [
    // One durable on the whole root; events arrive in batches, written with one INSERT and acked after its commit.
    await runBatchConsumer(bus, {
      durable: RECORDER_CONSUMER,
      filterSubject: allSubjects(bus.subjectRoot),
      // A catalog event from a service that may not emit it is never recorded as that service's act.
      decode: (body) => {
        const env = decodeEnvelope(body);
        checkSource(env);
        return env;
      },
      handle: (items) => recordBatch(writer, items.map((it) => ({ env: it.value, streamSeq: it.meta.streamSeq }))),
      maxBatch: config.AUDIT_BATCH_MAX,
      maxWaitMs: config.AUDIT_BATCH_WAIT_MS,
      batchesInFlight: config.BUS_CONCURRENCY,
      ackWaitMs: config.BUS_ACK_WAIT_MS,
      maxDeliver: config.BUS_MAX_DELIVER,
      backoffMs: [250, 1_000, 2_000, 5_000],
    }),
    await runDeadLetterCapture(bus, { durable: DEAD_LETTER_CONSUMER, ackWaitMs: config.BUS_ACK_WAIT_MS }),
    // A staff retry of a dead letter: the recorded original published again (its own consumer of the request).
    await consumeEvents(bus, { durable: NAME, config, routes: [on(DeadLetterRetryRequestedV1, (e) => handleRetryRequested({ db, bus, log }, e))] }),
  ],
});
