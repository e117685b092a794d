import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { UnstorablePayloadError } from './normalize.js';
import { refusalFor } from './refusal.js';

test('a delivery that can never be stored is 422 with the reason, never 503', () => {
  assert.deepEqual(refusalFor(new UnstorablePayloadError('sender.login')), {
    status: 422,
    reason: 'sender.login contains U+0000 or an unpaired surrogate, which the platform cannot store',
    result: 'rejected_unstorable',
  });
  assert.equal(refusalFor(z.string().safeParse(1).error).status, 422, 'the contract refused the data');
  assert.equal(refusalFor(Object.assign(new Error('integer out of range'), { code: '22003' })).status, 422);
  assert.match(refusalFor(Object.assign(new Error('x'), { code: '22P05' })).reason, /Postgres 22P05/);
});

test('what a retry can fix stays 503 "retry later"', () => {
  for (const err of [new Error('TIMEOUT'), Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), Object.assign(new Error('shutdown'), { code: '57P01' }), null, 'x']) {
    assert.deepEqual(refusalFor(err), { status: 503, reason: 'delivery not accepted (the database or the bus is unavailable); retry later', result: 'error' });
  }
});
