import assert from 'node:assert/strict';
import { readState, type NodeHandle, type StackState } from '@codex-k8s/stack';

/** The state of the stack `npm test` started for this run (its directory's name is the stack's name). */
export function testStack(): StackState {
  const name = process.env.CODEXK8S_STACK_DIR?.split('/').pop() ?? '';
  const s = readState(name);
  if (!s) throw new Error(`no running stack "${name}": run tests with \`npm test\` (it starts the local stack)`);
  return s;
}

/** The test stack's real node (every stack `npm test` starts runs one). */
export function testNode(): NodeHandle {
  const n = testStack().node;
  assert.ok(n, 'the test stack runs a real node (npm test starts one)');
  return n;
}
