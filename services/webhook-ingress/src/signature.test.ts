import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signBody, verifySignature } from './signature.js';

// The test vector from GitHub's "Validating webhook deliveries" documentation.
const SECRET = "It's a Secret to Everybody";
const BODY = Buffer.from('Hello, World!');
const EXPECTED = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

test('signBody reproduces the documented GitHub signature', () => {
  assert.equal(signBody(SECRET, BODY), EXPECTED);
});

test('verifySignature accepts the documented vector', () => {
  assert.equal(verifySignature(SECRET, BODY, EXPECTED), true);
});

test('verifySignature rejects anything else without throwing', () => {
  const cases: (string | undefined)[] = [
    undefined,
    '',
    EXPECTED.replace('sha256=', 'sha1='),
    EXPECTED.toUpperCase(),
    `${EXPECTED}0`,
    EXPECTED.slice(0, -1),
    `sha256=${'0'.repeat(64)}`,
    `sha256=${'z'.repeat(64)}`,
  ];
  for (const header of cases) assert.equal(verifySignature(SECRET, BODY, header), false, `header ${String(header)}`);
  assert.equal(verifySignature('another secret', BODY, EXPECTED), false, 'wrong secret');
  assert.equal(verifySignature(SECRET, Buffer.from('Hello, World! '), EXPECTED), false, 'one extra byte');
});
