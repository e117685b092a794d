import { readState, type StackState } from '@codex-k8s/stack';

/** The state of the stack `npm test` started for this run (its directory's name is the stack's name). */
export function testStack(): StackState {
  const name = process.env.CODEXK8S_STACK_DIR?.split('/').pop() ?? '';
  const s = readState(name);
  if (!s) throw new Error(`no running stack "${name}": run tests with \`npm test\` (it starts the local stack)`);
  return s;
}
