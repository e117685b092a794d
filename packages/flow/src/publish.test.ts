import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlotReadyV1, SlotUnitReadyV1, deterministicId } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { causeOf, publishCaused } from './publish.js';

/** A bus that records what would be published (the contract's own parse still runs in the real one). */
function recordingBus(): { bus: Pick<Bus, 'publish'>; sent: { type: string; input: Record<string, unknown> }[] } {
  const sent: { type: string; input: Record<string, unknown> }[] = [];
  const bus = {
    publish: async (def: { type: string }, input: Record<string, unknown>) => {
      sent.push({ type: def.type, input });
      return { envelope: {}, seq: sent.length, duplicate: false };
    },
  } as unknown as Pick<Bus, 'publish'>;
  return { bus, sent };
}

const runId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const data = { run_id: runId, project_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6', namespace: 'shop-dev-1', slot_no: 1, host: null, public_url: null };

test('a caused event carries the cause\'s correlation id, the cause as causation, the run subject and a deterministic id', async () => {
  const { bus, sent } = recordingBus();
  const cause = causeOf({ id: 'e1', correlationid: 'delivery-1' });
  assert.deepEqual(cause, { correlationId: 'delivery-1', causationId: 'e1' });
  await publishCaused(bus, SlotReadyV1, cause, { runId, data });
  assert.deepEqual(sent, [{ type: 'slot.ready', input: { id: deterministicId('slot.ready', runId), correlationId: 'delivery-1', causationId: 'e1', subject: `run/${runId}`, data } }]);
});

test('extra id parts, an explicit id, and a cause without causation (a timer) are honoured', async () => {
  const { bus, sent } = recordingBus();
  await publishCaused(bus, SlotUnitReadyV1, { correlationId: 'd' }, { runId, idParts: ['api'], data: data as never });
  await publishCaused(bus, SlotReadyV1, { correlationId: 'd' }, { runId, id: 'fixed', data });
  assert.equal(sent[0]?.input.id, deterministicId('slot.unit.ready', runId, 'api'));
  assert.equal('causationId' in (sent[0]?.input ?? {}), false);
  assert.equal(sent[1]?.input.id, 'fixed');
});
