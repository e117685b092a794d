import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusPhase } from '@codex-k8s/contracts';
import { EMPTY_FACTS, mergeStatus, PHASE_ORDER, phaseRank, type StatusFacts } from './status-facts.js';
import { formatDuration, renderStatusBody, statusMarker, type StatusView } from './status-body.js';

const RUN = '0b5c4f6e-3f5e-4a8e-9d2a-1c3b5d7e9f01';
/** The view after the given phases were reached in order. */
const view = (phase: number, facts: Partial<StatusFacts> = {}, extra: Partial<StatusView> = {}, reached: readonly StatusPhase[] = PHASE_ORDER.slice(0, phase + 1)): StatusView => ({
  runId: RUN,
  repositoryFullName: 'o/r',
  triggerLabel: 'run:dev',
  runtimeMode: 'full-env',
  slotRun: true,
  createdAt: new Date('2026-12-01T10:00:00Z'),
  phase,
  facts: { ...EMPTY_FACTS, reached: [...reached], ...facts },
  consoleUrl: 'https://console.example',
  githubWebUrl: 'https://github.com',
  ...extra,
});

test('the body starts with the run marker and shows the phases of a slot run up to the current one, with the URL', () => {
  const body = renderStatusBody(view(phaseRank('slot_ready'), { namespace: 'shop-dev-1', slot_no: 1, public_url: 'https://shop-dev-1.example' }));
  assert.ok(body.startsWith(statusMarker(RUN)));
  assert.match(body, /### 🟢 Slot ready/);
  assert.match(body, /- ✅ Slot ready \(HTTPS\) · \[https:\/\/shop-dev-1\.example\]\(https:\/\/shop-dev-1\.example\)/);
  assert.match(body, /- ⬜ Agent started/);
  assert.match(body, /namespace `shop-dev-1`/);
  assert.match(body, /\[Run page in the staff console\]\(https:\/\/console\.example\/runs\/0b5c4f6e-/);
});

test('a finished run shows its result, duration and reason; phases it never reached are skipped, not pending', () => {
  const body = renderStatusBody(
    view(phaseRank('finished'), { end: { status: 'failed', event_type: 'run.failed.launch_error', reason: 'runtime_deploy_failed', error: 'unit api not ready', ended_at: '2026-12-01T10:02:05Z' } }, {}, ['accepted', 'preparing', 'finished']),
  );
  assert.match(body, /- ✅ Slot leased, namespace prepared/);
  assert.match(body, /- ➖ Slot deployed/);
  assert.match(body, /### ❌ Run failed after 2 min 5 s/);
  assert.match(body, /- ➖ Slot ready/);
  assert.match(body, /- ⬜ Slot released/);
  assert.match(body, /\*\*Reason:\*\* `runtime_deploy_failed`/);
  assert.match(body, /```text\nunit api not ready\n```/);
});

test('text from an agent or GitHub cannot add links, mentions or HTML, or close the code around it', () => {
  let s = mergeStatus({ phase: phaseRank('agent_started'), facts: EMPTY_FACTS }, { phase: 'agent_started', facts: { status_lines: { '1': 'see [evil](https://evil.example) @octocat <img src=x> ```\n# injected' } } });
  s = mergeStatus(s, { phase: 'agent_started', facts: { pull_request: { url: 'https://evil.example/pull/1', number: 1, title: '@everyone `x`' }, artifacts: { '`a`](http://x)': { kind: 'file', url: null } } } });
  const body = renderStatusBody(view(s.phase, s.facts));
  const block = /\*\*Agent status\*\*\n(`{3,})text\n([\s\S]*?)\n\1\n/.exec(body);
  assert.ok(block, body);
  assert.ok((block[1] as string).length >= 4, 'the fence is longer than any backtick run inside');
  const outsideBlocks = body.replace(/(`{3,})text\n[\s\S]*?\n\1\n/g, '');
  assert.doesNotMatch(outsideBlocks, /\]\(https:\/\/evil\.example/, 'no link to a host that is not GitHub');
  assert.doesNotMatch(outsideBlocks, /<img/);
  const outsideCode = outsideBlocks.replace(/(`+) .*? \1|(`+)[^`]*?\2/g, '');
  assert.doesNotMatch(outsideCode, /@/, `no mention outside code:\n${outsideCode}`);
  assert.match(body, /#1 `https:\/\/evil\.example\/pull\/1`/);
  assert.match(body, /``` `a`\]\(http:\/\/x\) ```|`` `a`\]\(http:\/\/x\) ``/);
});

test('a pull request on the GitHub host is linked; a code-only run has no slot phases; no console link when unset', () => {
  const body = renderStatusBody(
    view(phaseRank('agent_started'), { pull_request: { url: 'https://github.com/o/r/pull/7', number: 7, title: 'Fix' } }, { runtimeMode: 'code-only', slotRun: false, consoleUrl: undefined }),
  );
  assert.match(body, /\*\*Pull request:\*\* \[#7\]\(https:\/\/github\.com\/o\/r\/pull\/7\) `Fix`/);
  const elsewhere = renderStatusBody(view(phaseRank('agent_started'), { pull_request: { url: 'https://github.com/evil/r/pull/7', number: 7, title: null } }));
  assert.match(elsewhere, /#7 `https:\/\/github\.com\/evil\/r\/pull\/7`/, 'another repository on the same host is not linked');
  assert.doesNotMatch(body, /Slot/);
  assert.doesNotMatch(body, /staff console/);
});

test('durations read as people say them', () => {
  assert.equal(formatDuration(4_400), '4 s');
  assert.equal(formatDuration(125_000), '2 min 5 s');
  assert.equal(formatDuration(3_725_000), '1 h 2 min');
});
