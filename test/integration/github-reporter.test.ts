import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AgentStatusReportedV1, PullRequestCreatedV1, WebhookIgnoredV1, type StatusPhase, type WebhookIgnoredData } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import type { FlowEventRow } from '@codex-k8s/db';
import { adminBus } from '../support/bus.js';
import { startGithubApi, secondaryRateLimit, primaryRateLimit, type GithubApiServer } from '../support/github-api/index.js';
import { eventually } from '../support/github.js';
import { issuePayload, PLATFORM_SERVICE_ORDER, SECRET, startPlatform, type Platform } from '../support/platform.js';

// github-reporter with the real octokit client (App auth, retry and throttling plugins) against a GitHub REST API on
// loopback whose every request is checked against GitHub's published OpenAPI description (test/support/github-api):
// a request the description does not allow is refused there and fails these tests through `rejected`.

const PHASES: readonly StatusPhase[] = ['accepted', 'preparing', 'slot_deployed', 'slot_ready', 'agent_started', 'finished', 'cleaned_up'];
const ISSUE = { owner: 'acme', repo: 'shop' };

interface Upserted {
  readonly run_id: string;
  readonly phase: StatusPhase;
  readonly action: string;
  readonly comment_id: number | null;
  readonly dry_run: boolean;
  readonly body: string;
}

describe('github-reporter against an API-description-driven GitHub', () => {
  let gh: GithubApiServer;
  let p: Platform;
  let agentBus: Bus;

  /** An issue delivery coming through the App's installation, as GitHub sends it. */
  const payload = (o: { issueNumber: number; label?: string; issueLabels?: string[]; sender?: string }): string => {
    const body = JSON.parse(issuePayload({ label: o.label ?? 'run:dev', issueNumber: o.issueNumber, ...(o.issueLabels ? { issueLabels: o.issueLabels } : {}) })) as Record<string, unknown>;
    body.installation = { id: gh.installationId };
    if (o.sender) body.sender = { login: o.sender, id: 424242 };
    return JSON.stringify(body);
  };
  const upserts = async (delivery: string): Promise<Upserted[]> =>
    (await p.timeline(delivery)).filter((r) => r.event_type === 'run.status.comment.upserted').map((r) => r.payload as unknown as Upserted);
  const comments = (issue: number) => gh.comments(ISSUE.owner, ISSUE.repo, issue);
  /** Waits until the issue's one comment shows `text`. */
  const commentShows = (issue: number, text: string | RegExp, timeoutMs = 60_000) =>
    eventually(`issue ${issue}'s comment to show ${String(text)}`, async () => {
      const c = comments(issue);
      return c.some((x) => (typeof text === 'string' ? x.body.includes(text) : text.test(x.body))) ? c : undefined;
    }, timeoutMs);
  const runOf = async (delivery: string): Promise<string> => {
    const rows = await p.waitFor(delivery, ['run.created']);
    return (rows.find((r) => r.event_type === 'run.created')?.payload as { run_id: string }).run_id;
  };

  before(async () => {
    gh = await startGithubApi();
    p = await startPlatform({
      services: [...PLATFORM_SERVICE_ORDER.filter((s) => s !== 'webhook-ingress'), 'github-reporter', 'webhook-ingress'],
      // Two of each, as deployed: the replicas of github-reporter share every comment and the resync.
      replicas: 2,
      env: {
        GITHUB_API_URL: gh.url,
        CODEXK8S_GITHUB_APP_ID: String(gh.app.id),
        CODEXK8S_GITHUB_APP_PRIVATE_KEY: gh.app.privateKeyPem,
        CODEXK8S_STAFF_CONSOLE_URL: 'https://console.codex.example',
        // Quick retries and enough of them to outlast the outage test below.
        CODEXK8S_GITHUB_RETRY_BACKOFF_MS: '300,600,1000',
        BUS_MAX_DELIVER: '60',
        CODEXK8S_GITHUB_INLINE_WAIT_MAX_MS: '1500',
        CODEXK8S_GITHUB_RESYNC_INTERVAL_MS: '1000',
        CODEXK8S_GITHUB_RESYNC_MIN_AGE_MS: '0',
      },
    });
    gh.setWebhook({ url: `${p.baseUrl}/api/v1/webhooks/github`, secret: SECRET });
    agentBus = await adminBus({ name: 'agent-gateway', stream: p.env.BUS_STREAM ?? '', subjectRoot: p.env.BUS_SUBJECT_ROOT ?? '' });
  });
  after(async () => {
    await agentBus?.drain();
    await p?.stop();
    await gh?.close();
  });

  test('one comment per run: created at the start, edited in place through every phase, never moved back', async () => {
    const delivery = await p.deliver(payload({ issueNumber: 101 }));
    const runId = await runOf(delivery);
    // What the agent says (through agent-gateway): a status line and its pull request.
    const ref = { run_id: runId, project_id: p.projectId, runtime_mode: 'full-env' as const, namespace: null, token_id: 'abcdef012345' };
    await agentBus.publish(AgentStatusReportedV1, { id: randomUUID(), correlationId: delivery, subject: `run/${runId}`, data: { ...ref, seq: 1, message: 'tests green, opening a PR' } });
    await agentBus.publish(PullRequestCreatedV1, {
      id: randomUUID(),
      correlationId: delivery,
      subject: `run/${runId}`,
      data: { ...ref, name: 'pr', url: `${gh.url}/${ISSUE.owner}/${ISSUE.repo}/pull/7`, number: 7, branch: 'codex/issue-101', title: 'Fix the cart' },
    });
    await p.waitFor(delivery, ['run.succeeded', 'run.namespace.cleaned']);
    const [comment] = await commentShows(101, '✅ Namespace deleted');
    assert.equal(comments(101).length, 1, 'one comment on the issue');
    const body = comment?.body ?? '';
    assert.ok(body.startsWith(`<!-- codex-k8s:run-status:${runId} -->`));
    assert.match(body, /### ✅ Run succeeded in \d+/);
    for (const phase of ['Accepted', 'Namespace prepared', 'Agent started', 'Finished', 'Namespace deleted']) assert.match(body, new RegExp(`- ✅ ${phase}`), phase);
    assert.match(body, /tests green, opening a PR/);
    // Linked: it points at the web host of the GitHub the platform talks to (here the API server's own host).
    assert.ok(body.includes(`**Pull request:** [#7](${gh.url}/acme/shop/pull/7) \`Fix the cart\``), body);
    assert.match(body, new RegExp(`\\[Run page in the staff console\\]\\(https://console\\.codex\\.example/runs/${runId}\\)`));
    assert.ok((comment?.edits ?? 0) >= 2, 'edited in place');

    const ups = await eventually('the last upsert recorded', async () => {
      const u = await upserts(delivery);
      return u.at(-1)?.body === body ? u : undefined;
    });
    assert.equal(ups[0]?.action, 'created');
    assert.ok(ups.slice(1).every((u) => u.action === 'updated' && u.comment_id === ups[0]?.comment_id));
    const ranks = ups.map((u) => PHASES.indexOf(u.phase));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `phases never go back: ${ups.map((u) => u.phase).join(' -> ')}`);
    // What people see never goes back either: each body ticks at least the phases the one before it ticked.
    const ticked = ups.map((u) => new Set(u.body.split('\n').filter((l) => l.startsWith('- ✅ ')).map((l) => l.split(' · ')[0])));
    ticked.slice(1).forEach((now, i) => assert.ok([...(ticked[i] ?? [])].every((l) => now.has(l)), `body ${i + 1} unticked a phase`));
    assert.equal(ups.at(-1)?.phase, 'cleaned_up');
    // The App's installation token was minted once per replica at most, and reused for every request after.
    const writes = gh.requests.filter((r) => r.route?.includes('/comments') && r.status < 300).length;
    assert.ok(gh.tokensMinted >= 1 && gh.tokensMinted <= 2 && writes > gh.tokensMinted, `${gh.tokensMinted} tokens for ${writes} requests`);
  });

  test('a restart between phases, even one that lost the comment id, still leaves one comment (found by its marker)', async () => {
    const delivery = await p.deliver(payload({ issueNumber: 102 }));
    const runId = await runOf(delivery);
    await commentShows(102, `run-status:${runId}`);
    await p.restart('github-reporter', 'kill');
    // As if the reporter had died between posting the comment and recording it.
    await p.tdb.db.updateTable('github_comments').set({ comment_id: null, sent_sha256: null }).where('key', '=', `run/${runId}`).execute();
    await p.waitFor(delivery, ['run.namespace.cleaned']);
    await commentShows(102, '✅ Namespace deleted');
    assert.equal(comments(102).length, 1);
    const ups = await upserts(delivery);
    assert.ok(ups.some((u) => u.action === 'adopted_and_updated'), ups.map((u) => u.action).join(','));
  });

  test('a create whose answer was lost is not sent again: the retry finds the comment by its marker', async () => {
    gh.fail({ route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', status: 502, body: 'bad gateway', afterApplying: true });
    const delivery = await p.deliver(payload({ issueNumber: 112 }));
    await p.waitFor(delivery, ['run.namespace.cleaned']);
    await commentShows(112, '✅ Namespace deleted');
    assert.equal(comments(112).length, 1);
    const posts = gh.requests.filter((r) => r.method === 'POST' && r.path.includes('/issues/112/comments'));
    assert.deepEqual(posts.map((r) => r.status), [502], 'one create, never retried in place');
    assert.ok((await upserts(delivery)).some((u) => u.action === 'adopted_and_updated'));
  });

  test('a marker pasted by someone else is not taken over: the platform makes its own comment', async () => {
    const list = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';
    // Hold the reporter before it looks for the marker, while someone pastes the run's marker into a comment.
    gh.fail({ route: list, status: 502, body: 'bad gateway', times: Infinity });
    const delivery = await p.deliver(payload({ issueNumber: 111 }));
    const runId = await runOf(delivery);
    gh.addPersonalToken('ghp_mallory_token', 'mallory');
    const pasted = `<!-- codex-k8s:run-status:${runId} -->\nI am the status comment now`;
    const res = await fetch(`${gh.url}/repos/${ISSUE.owner}/${ISSUE.repo}/issues/111/comments`, {
      method: 'POST',
      headers: { authorization: 'token ghp_mallory_token', 'content-type': 'application/json', 'x-github-api-version': '2022-11-28' },
      body: JSON.stringify({ body: pasted }),
    });
    assert.equal(res.status, 201);
    gh.clearFaults();
    await p.waitFor(delivery, ['run.namespace.cleaned']);
    await commentShows(111, '✅ Namespace deleted');
    const [theirs, ours] = comments(111);
    assert.equal(comments(111).length, 2);
    assert.equal(theirs?.body, pasted);
    assert.equal(theirs?.edits, 0, 'their comment was never edited');
    assert.ok(ours?.body.startsWith(`<!-- codex-k8s:run-status:${runId} -->\n###`));
    assert.equal((await upserts(delivery))[0]?.action, 'created');
  });

  test('rate limits: a primary limit is handed back until its reset, a secondary one waited for inline; then it succeeds', async () => {
    const create = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
    const primary = primaryRateLimit({ resetInSeconds: 8, installationId: gh.installationId });
    const resetMs = Number(primary.headers?.['x-ratelimit-reset']) * 1000;
    gh.fail({ route: create, ...primary });
    gh.fail({ route: create, ...secondaryRateLimit(1) });
    const delivery = await p.deliver(payload({ issueNumber: 103 }));
    await commentShows(103, '<!-- codex-k8s:run-status:');
    const posts = gh.requests.filter((r) => r.route === create && r.path.includes('/issues/103/'));
    assert.deepEqual(posts.slice(0, 3).map((r) => r.status), [403, 403, 201]);
    const [, second, third] = posts;
    // The primary limit (longer than CODEXK8S_GITHUB_INLINE_WAIT_MAX_MS) went back to the bus until its reset ...
    assert.ok((second?.at ?? 0) >= resetMs, `not retried before x-ratelimit-reset: ${(second?.at ?? 0) - resetMs} ms`);
    // ... the secondary one (Retry-After: 1, within it) was waited for by the throttling plugin.
    assert.ok((third?.at ?? 0) - (second?.at ?? 0) >= 950, `waited for Retry-After: ${(third?.at ?? 0) - (second?.at ?? 0)} ms`);
    await p.waitFor(delivery, ['run.namespace.cleaned']);
    await commentShows(103, '✅ Namespace deleted');
    assert.equal(comments(103).length, 1);
  });

  test('GitHub down (5xx): the run is unaffected, and the comment catches up with the newest phase in one write', async () => {
    gh.fail({ route: '*', status: 502, body: 'bad gateway', times: Infinity });
    const delivery = await p.deliver(payload({ issueNumber: 104 }));
    const rows = await p.waitFor(delivery, ['run.succeeded', 'run.namespace.cleaned']);
    assert.ok(!rows.some((r) => r.event_type.startsWith('run.failed')));
    assert.equal(comments(104).length, 0);
    // The reporter has taken in every event of the run (merged into its state) while GitHub was down.
    const runId = await runOf(delivery);
    await eventually('the last phase merged', async () => {
      const row = await p.tdb.db.selectFrom('github_comments').select('phase').where('key', '=', `run/${runId}`).executeTakeFirst();
      return row?.phase === PHASES.indexOf('cleaned_up') ? true : undefined;
    });
    gh.clearFaults();
    await commentShows(104, '✅ Namespace deleted');
    const ups = await eventually('the write recorded', async () => ((await upserts(delivery)).length > 0 ? upserts(delivery) : undefined));
    assert.equal(ups[0]?.action, 'created');
    assert.equal(ups[0]?.phase, 'cleaned_up', 'the first write after the outage already shows the newest phase');
    assert.equal(ups.length, 1, `coalesced: ${ups.map((u) => u.phase).join(',')}`);
    assert.equal(comments(104).length, 1);
  });

  test('a revoked installation token: GitHub answers 401, a new token is minted and the comment goes on', async () => {
    const minted = gh.tokensMinted;
    gh.revokeInstallationTokens();
    const delivery = await p.deliver(payload({ issueNumber: 105 }));
    await p.waitFor(delivery, ['run.namespace.cleaned']);
    await commentShows(105, '✅ Namespace deleted');
    const refused = gh.requests.filter((r) => r.status === 401 && r.route?.startsWith('/repos', r.route.indexOf(' ') + 1));
    assert.ok(refused.length >= 1, 'the old token was refused');
    // Each replica that held the revoked token replaced it once (2 replicas), however many requests it had refused.
    assert.ok(gh.tokensMinted > minted && gh.tokensMinted <= minted + 2, `${gh.tokensMinted - minted} new tokens for ${refused.length} refusals`);
  });

  test('ignored triggers: a label conflict names the labels; a sender without permission is told; one reply per issue and story', async () => {
    const conflict = await p.deliver(payload({ issueNumber: 106, issueLabels: ['run:dev', 'run:plan'] }));
    const stranger = await p.deliver(payload({ issueNumber: 107, sender: 'mallory' }));
    const notATrigger = await p.deliver(payload({ issueNumber: 108, label: 'bug', issueLabels: ['bug'] }));
    const [c] = await commentShows(106, /more than one run label \(`run:dev`, `run:plan`\)/);
    assert.match(c?.body ?? '', /^<!-- codex-k8s:ignored:[0-9a-f]{32} -->\n/);
    await commentShows(107, /@mallory is not a user of this platform/);
    await p.waitFor(conflict, ['webhook.ignored.replied']);
    await p.waitFor(stranger, ['webhook.ignored.replied']);
    await p.waitFor(notATrigger, ['webhook.ignored']);
    // The same webhook.ignored again (a redelivered event), and a second delivery telling the same story: no second reply.
    const ignored = (await p.timeline(conflict)).find((r) => r.event_type === 'webhook.ignored')?.payload as WebhookIgnoredData;
    const plannerBus = await adminBus({ name: 'planner', stream: p.env.BUS_STREAM ?? '', subjectRoot: p.env.BUS_SUBJECT_ROOT ?? '' });
    await plannerBus.publish(WebhookIgnoredV1, { id: randomUUID(), correlationId: conflict, subject: `delivery/${conflict}`, data: ignored });
    await plannerBus.drain();
    const second = await p.deliver(payload({ issueNumber: 106, label: 'run:plan', issueLabels: ['run:plan', 'run:dev'] }));
    await p.waitFor(second, ['webhook.ignored']);
    await eventually('both handled', async () => {
      const rows = await p.tdb.db.selectFrom('flow_events').select('id').where('event_type', '=', 'webhook.ignored').where('correlation_id', '=', conflict).execute();
      return rows.length >= 1 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(comments(106).length, 1);
    assert.equal(comments(106)[0]?.edits, 0, 'the reply was not even edited');
    assert.equal(comments(108).length, 0, 'silent for a label that is not a trigger');
  });

  test('a delivery GitHub could not make is asked for again by the resync and ends in exactly one run', async () => {
    const guid = randomUUID();
    const body = JSON.parse(payload({ issueNumber: 109 })) as object;
    gh.recordDelivery({ guid, event: 'issues', action: 'labeled', payload: body, statusCode: 502 });
    // A delivery the inbox has is never asked for.
    const stored = await p.deliver(payload({ issueNumber: 110 }));
    gh.recordDelivery({ guid: stored, event: 'issues', action: 'labeled', payload: body, statusCode: 202 });
    const rows = await p.waitFor(guid, ['webhook.redelivery_requested', 'run.created', 'run.namespace.cleaned'], 90_000);
    await new Promise((r) => setTimeout(r, 3_000)); // several more resync passes
    const runs = await p.tdb.db.selectFrom('agent_runs').select('id').where('correlation_id', '=', guid).execute();
    assert.equal(runs.length, 1);
    const requested = (await p.timeline(guid)).filter((r: FlowEventRow) => r.event_type === 'webhook.redelivery_requested');
    assert.equal(requested.length, 1);
    assert.equal((rows.find((r) => r.event_type === 'webhook.redelivery_requested')?.payload as { delivery_id: string }).delivery_id, guid);
    const ids = gh.redeliveryRequests();
    assert.equal(ids.length, 1, 'one redelivery request');
    assert.ok(!gh.deliveries().some((d) => d.guid === stored && d.redelivery), 'the stored delivery was left alone');
    assert.ok(gh.deliveries().some((d) => d.guid === guid && d.redelivery && d.status_code === 202), 'the ingress accepted the redelivered copy');
  });

  test('every request the platform sent was one the API description allows, and every answer conformed', () => {
    assert.deepEqual(gh.rejected, []);
    assert.deepEqual(gh.responseErrors, []);
  });
});
