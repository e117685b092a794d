import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endsLaunch } from './launch.js';

test('a failed Job creation ends the run when retrying cannot help or no retry is left', () => {
  assert.equal(endsLaunch({ permanent: true, lastDelivery: false }), true);
  assert.equal(endsLaunch({ permanent: false, lastDelivery: false }), false, 'transient: redelivered');
  assert.equal(endsLaunch({ permanent: false, lastDelivery: true }), true, 'the last delivery: never left pending');
});
