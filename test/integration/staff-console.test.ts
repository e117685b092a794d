import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLoginLink, getRun, upsertProject } from '@codex-k8s/db';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { deterministicId, type ActionResponse, type EventDetail, type EventListResponse, type LogResponse, type RunDetails, type RunListResponse } from '@codex-k8s/contracts';
import { eventually } from '../support/github.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';
import { staffMember, staffRequest, staffSession, type StaffAnswer, type StaffRequestOptions } from '../support/staff.js';

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);

// The staff console against the real pipeline: who may see and do what, every refusal with its reason and nothing
// changed, and the two actions (cancel, delete namespace) carried out by the services that own them and recorded as
// the staff member's acts. Agent Jobs use kwok's `hang` image: they run until deleted.
describe('staff console: API, access and actions', () => {
  let p: Platform;
  let url: string;
  let alice: string; // admin of shop
  let bob: string; // read-only member of shop
  let carol: string; // admin of another project only
  let dave: string; // platform admin, member of nothing
  let runId: string;
  let delivery: string;
  let namespace: string;
  const as = <T = unknown>(cookie: string, path: string, o: StaffRequestOptions = {}): Promise<StaffAnswer<T>> => staffRequest<T>(url, 'GET', path, { cookie, ...o });
  const refusedWith = (r: StaffAnswer, status: number, reason: RegExp): void => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    const body = r.body as { error: string };
    assert.deepEqual(Object.keys(body), ['error'], 'a refusal carries its reason and nothing else');
    assert.match(body.error, reason);
  };
  const eventsOf = async (type: string): Promise<{ actor_type: string; actor_id: string | null; payload: Record<string, unknown> }[]> =>
    (await p.timeline(delivery)).filter((r) => r.event_type === type).map((r) => ({ actor_type: r.actor_type, actor_id: r.actor_id, payload: r.payload as Record<string, unknown> }));

  before(async () => {
    p = await startPlatform({
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'agent-launcher', 'staff-console', 'webhook-ingress'],
      // Jobs that run until deleted; ended runs keep their namespace (so a staff member can delete it).
      env: { CODEXK8S_WORKER_JOB_IMAGE: 'codex-k8s.invalid/hang:latest', CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP: 'false', CODEXK8S_STAFF_TRUSTED_PROXIES: '127.0.0.2/32' },
    });
    url = p.consoleUrl as string;
    const other = await upsertProject(p.tdb.db, { id: deterministicId('project', 'other'), slug: 'other', name: 'Other', settings: {} });
    alice = await staffMember(p.tdb.db, { projectId: p.projectId, login: 'alice', role: 'admin' });
    bob = await staffMember(p.tdb.db, { projectId: p.projectId, login: 'bob', role: 'read_only' });
    carol = await staffMember(p.tdb.db, { projectId: other.id, login: 'carol', role: 'admin' });
    dave = await staffMember(p.tdb.db, { projectId: other.id, login: 'dave', role: 'read_only', platformAdmin: true });
    delivery = await p.deliver(issuePayload());
    await p.waitFor(delivery, ['run.started']);
    const run = await p.tdb.db.selectFrom('agent_runs').selectAll().where('correlation_id', '=', delivery).executeTakeFirstOrThrow();
    runId = run.id;
    namespace = run.namespace as string;
  });
  after(async () => p?.stop());

  test('a one-time login link opens a session once; a used, unknown or malformed link is refused', async () => {
    const token = await createLoginLink(p.tdb.db, 'alice', 60);
    const first = await staffRequest<string>(url, 'GET', `/login?t=${token}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /^__Host-staff_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    const session = await staffSession(url, (/=([^;]+)/.exec(cookie) as RegExpExecArray)[1] as string);
    assert.equal(session.login, 'alice');
    assert.deepEqual(session.projects.map((x) => [x.slug, x.role, x.can_act]), [['shop', 'admin', true]]);
    const again = await staffRequest<string>(url, 'GET', `/login?t=${token}`);
    assert.equal(again.status, 401, 'a link works once');
    assert.match(again.body, /unknown, already used or expired/);
    assert.equal((await staffRequest(url, 'GET', `/login?t=${'x'.repeat(43)}`)).status, 401);
    assert.equal((await staffRequest(url, 'GET', '/login?t=../../etc')).status, 400);
  });

  test('nobody signed in: 401; a forwarded user from outside the proxy: 401 even with a valid session; from the proxy: the user', async () => {
    refusedWith(await staffRequest(url, 'GET', '/api/v1/staff/runs'), 401, /not signed in/);
    refusedWith(await staffRequest(url, 'GET', '/api/v1/staff/runs', { headers: { cookie: '__Host-staff_session=garbage' } }), 401, /not signed in/);
    // 127.0.0.1 is not the trusted proxy (127.0.0.2/32): the header is refused outright, whatever else comes with it.
    refusedWith(await as(bob, '/api/v1/staff/session', { headers: { 'x-forwarded-user': 'alice' } }), 401, /only accepted from the staff proxy; 127\.0\.0\.1 is not a trusted proxy/);
    refusedWith(await staffRequest(url, 'GET', '/api/v1/staff/runs', { headers: { 'x-forwarded-user': 'dave' } }), 401, /trusted proxy/);
    // From the proxy's address: the forwarded login (GitHub logins are case-insensitive; stored lower case).
    const viaProxy = await staffRequest<{ login: string }>(url, 'GET', '/api/v1/staff/session', { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'Alice' } });
    assert.equal(viaProxy.status, 200, JSON.stringify(viaProxy.body));
    assert.equal(viaProxy.body.login, 'alice');
    refusedWith(await staffRequest(url, 'GET', '/api/v1/staff/session', { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'mallory' } }), 403, /mallory is not a user of this platform/);
    refusedWith(await staffRequest(url, 'GET', '/api/v1/staff/session', { localAddress: '127.0.0.2', headers: { 'x-forwarded-user': 'a b' } }), 401, /not a GitHub login/);
  });

  test('runs list: filters, keyset pages, and each bad parameter refused with 400 naming it', async () => {
    const list = await as<RunListResponse>(alice, `/api/v1/staff/runs?project=shop&status=running&trigger=run:dev&issue=42&q=${delivery.slice(0, 8)}`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.items.map((r) => r.id), [runId]);
    const row = list.body.items[0] as RunListResponse['items'][number];
    assert.equal(row.trigger_label, 'run:dev');
    assert.equal(row.issue_url, 'https://github.com/acme/shop/issues/42');
    assert.equal(row.namespace, namespace);
    assert.equal((await as<RunListResponse>(alice, `/api/v1/staff/runs?q=${namespace}`)).body.items[0]?.id, runId, 'search by namespace');
    assert.equal((await as<RunListResponse>(alice, '/api/v1/staff/runs?status=succeeded&q=' + delivery.slice(0, 8))).body.items.length, 0);
    // Three more runs, then pages of two: every run once, newest first, never a repeat.
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await p.deliver(issuePayload({ issueNumber: 100 + i })));
    for (const d of more) await p.waitFor(d, ['run.created']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: StaffAnswer<RunListResponse> = await as<RunListResponse>(alice, `/api/v1/staff/runs?project=shop&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, 'no run twice');
    assert.equal(seen.length, 4);
    assert.equal(seen[3], runId, 'oldest last');
    const bad: [string, RegExp][] = [
      ['limit=201', /^limit: must be at most 200/],
      ['limit=0', /^limit: must be at least 1/],
      ['limit=ten', /^limit: not a whole number/],
      ['status=done', /^status: /],
      ['issue=4x', /^issue: not a whole number/],
      ['project=Not_A_Slug', /^project: not a project slug/],
      ['q=%27%20or%201%3D1', /^q: letters, digits/],
      ['cursor=bm9wZQ', /^cursor: not a cursor this API handed out/],
      ['cursor=!!', /^cursor: not a cursor/],
      ['sort=id', /sort|Unrecognized/i],
    ];
    for (const [query, reason] of bad) refusedWith(await as(alice, `/api/v1/staff/runs?${query}`), 400, reason);
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/events?limit=1000`), 400, /^limit: must be at most 200/);
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/events?before=x`), 400, /^before: /);
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/logs?tail=100000`), 400, /^tail: must be at most 5000/);
  });

  test('unknown run 404, malformed id 400; another project\'s run 403 with nothing of it in the body', async () => {
    refusedWith(await as(alice, `/api/v1/staff/runs/${randomUUID()}`), 404, /^no such run$/);
    refusedWith(await as(alice, '/api/v1/staff/runs/not-a-run'), 400, /^run_id: not a uuid/);
    refusedWith(await as(alice, '/api/v1/staff/runs/not-a-run/events'), 400, /^run_id: /);
    for (const path of [`/api/v1/staff/runs/${runId}`, `/api/v1/staff/runs/${runId}/events`, `/api/v1/staff/runs/${runId}/logs`, `/api/v1/staff/runs/${runId}/logs/download`, '/api/v1/staff/runs?project=shop', '/api/v1/staff/slots?project=shop', `/api/v1/staff/stream?run_id=${runId}`]) {
      const r = await as(carol, path);
      refusedWith(r, 403, /not a member/);
      assert.ok(!JSON.stringify(r.body).includes(runId) && !JSON.stringify(r.body).includes(namespace), `${path}: nothing of the run in the body`);
    }
    const own = await as<RunListResponse>(carol, '/api/v1/staff/runs');
    assert.equal(own.status, 200);
    assert.equal(own.body.items.length, 0, 'carol sees only her project\'s runs');
    refusedWith(await as(carol, '/api/v1/staff/dead-letters'), 403, /platform admins only/);
    // A platform admin sees every project, and the dead letters.
    assert.ok((await as<RunListResponse>(dave, '/api/v1/staff/runs')).body.items.some((r) => r.id === runId));
    assert.equal((await as(dave, '/api/v1/staff/dead-letters')).status, 200);
  });

  test('run page: details, phases, runbook for its names, events newest first with payload on demand', async () => {
    const d = (await as<RunDetails>(alice, `/api/v1/staff/runs/${runId}`)).body;
    assert.equal(d.status, 'running');
    assert.equal(d.namespace_state, 'active');
    assert.equal(d.job_name, `codex-k8s-run-${runId}`);
    assert.deepEqual(d.phases.map((x) => x.phase).slice(0, 4), ['received', 'planned', 'namespace prepared', 'job started']);
    assert.ok(d.phases.slice(1).every((x) => (x.duration_ms ?? -1) >= 0));
    assert.deepEqual(d.actions, { cancel: { allowed: true, reason: null }, delete_namespace: { allowed: false, reason: 'the run is running: cancel it first' } });
    const commands = new Map(d.runbook.map((c) => [c.title, c.command]));
    assert.equal(commands.get('pods'), `kubectl -n ${namespace} get pods -l job-name=codex-k8s-run-${runId} -o wide`);
    assert.equal(commands.get('certificate'), `kubectl -n ${namespace} get certificate,certificaterequest,order,challenge`);
    const events = (await as<EventListResponse>(alice, `/api/v1/staff/runs/${runId}/events?limit=3`)).body;
    const [newest, second] = events.items;
    assert.equal(events.items.length, 3);
    assert.ok(Number(newest?.id) > Number(second?.id), 'newest first');
    assert.ok(newest && !('payload' in newest), 'no payloads in the list');
    const older = (await as<EventListResponse>(alice, `/api/v1/staff/runs/${runId}/events?limit=50&before=${events.next_cursor}`)).body;
    const oldest = older.items.at(-1);
    assert.equal(oldest?.event_type, 'webhook.received');
    const one = (await as<EventDetail>(alice, `/api/v1/staff/runs/${runId}/events/${oldest?.id}`)).body;
    assert.equal((one.payload as { delivery_id: string }).delivery_id, delivery);
    // An event of another run through this run's path: not found.
    const [otherRun] = (await as<RunListResponse>(alice, '/api/v1/staff/runs?limit=1')).body.items;
    const otherEvents = (await as<EventListResponse>(alice, `/api/v1/staff/runs/${otherRun?.id}/events?limit=1`)).body.items;
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/events/${otherEvents[0]?.id}`), 404, /no such event in this run/);
  });

  test('a read-only member sees no actions and is refused by the API; nothing changes', async () => {
    const s = await staffSession(url, bob);
    assert.deepEqual(s.projects.map((x) => [x.slug, x.can_act]), [['shop', false]]);
    const d = (await as<RunDetails>(bob, `/api/v1/staff/runs/${runId}`)).body;
    assert.deepEqual(d.actions.cancel, { allowed: false, reason: 'only project admins may act on runs' });
    refusedWith(await staffRequest(url, 'POST', `/api/v1/staff/runs/${runId}/cancel`, { cookie: bob, csrf: s.csrf_token, body: {} }), 403, /only project admins may cancel/);
    refusedWith(await staffRequest(url, 'DELETE', `/api/v1/staff/runs/${runId}/namespace`, { cookie: bob, csrf: s.csrf_token }), 403, /only project admins/);
    assert.equal((await getRun(p.tdb.db, runId))?.status, 'running');
    assert.deepEqual(await eventsOf('run.cancel_requested'), []);
  });

  test('actions need the CSRF token of the caller\'s own session and a same-origin request', async () => {
    const s = await staffSession(url, alice);
    const other = await staffSession(url, bob);
    const post = (o: StaffRequestOptions) => staffRequest(url, 'POST', `/api/v1/staff/runs/${runId}/cancel`, { cookie: alice, body: {}, ...o });
    refusedWith(await post({}), 403, /missing X-CSRF-Token/);
    refusedWith(await post({ csrf: other.csrf_token }), 403, /wrong X-CSRF-Token/);
    refusedWith(await post({ csrf: s.csrf_token, headers: { 'sec-fetch-site': 'cross-site' } }), 403, /cross-site request refused/);
    assert.equal((await getRun(p.tdb.db, runId))?.status, 'running');
    assert.deepEqual(await eventsOf('run.cancel_requested'), []);
  });

  test('cancel: the Job is deleted, the run ends run.canceled once, as alice\'s act; a second press is 409', async () => {
    const s = await staffSession(url, alice);
    const r = await staffRequest<ActionResponse>(url, 'POST', `/api/v1/staff/runs/${runId}/cancel`, { cookie: alice, csrf: s.csrf_token, body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'canceled');
    const run = await getRun(p.tdb.db, runId);
    assert.equal(run?.status, 'canceled');
    assert.equal(run?.outcome?.reason, 'canceled_by_staff');
    await eventually('the Job deleted', () => batch.readNamespacedJob({ name: `codex-k8s-run-${runId}`, namespace }).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)), 30_000);
    await p.waitFor(delivery, ['run.namespace.cleanup_skipped']);
    assert.deepEqual(await eventsOf('run.cancel_requested').then((x) => x.map((e) => [e.actor_type, e.actor_id])), [['human', 'alice']]);
    assert.deepEqual(await eventsOf('run.canceled').then((x) => x.map((e) => [e.actor_type, e.actor_id, e.payload.reason])), [['human', 'alice', 'canceled_by_staff']]);
    const ends = (await p.timeline(delivery)).filter((e) => /^run\.(succeeded|failed|canceled)/.test(e.event_type));
    assert.deepEqual(ends.map((e) => e.event_type), ['run.canceled'], 'the run ended exactly once');
    refusedWith(await staffRequest(url, 'POST', `/api/v1/staff/runs/${runId}/cancel`, { cookie: alice, csrf: s.csrf_token, body: {} }), 409, /the run has ended \(canceled\)/);
    assert.equal((await eventsOf('run.cancel_requested')).length, 1, 'the refused press published nothing');
  });

  test('delete namespace: deleted as alice\'s act; a second press answers already_deleted and changes nothing', async () => {
    const s = await staffSession(url, alice);
    assert.ok(await core.readNamespace({ name: namespace }), 'the ended run kept its namespace (cleanup disabled)');
    const r = await staffRequest<ActionResponse>(url, 'DELETE', `/api/v1/staff/runs/${runId}/namespace`, { cookie: alice, csrf: s.csrf_token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.outcome, r.body.namespace], ['deleted', namespace]);
    await eventually('namespace gone or terminating', () => core.readNamespace({ name: namespace }).then((n) => (n.metadata?.deletionTimestamp ? true : undefined), () => true), 30_000);
    const again = await staffRequest<ActionResponse>(url, 'DELETE', `/api/v1/staff/runs/${runId}/namespace`, { cookie: alice, csrf: s.csrf_token });
    assert.equal(again.status, 200);
    assert.deepEqual([again.body.outcome, again.body.request_id], ['already_deleted', null]);
    assert.deepEqual((await eventsOf('run.namespace.delete_by_staff')).map((e) => [e.actor_type, e.actor_id, e.payload.trigger, e.payload.requested_by]), [['human', 'alice', 'staff', 'alice']]);
    assert.equal((await eventsOf('run.namespace.delete_requested')).length, 1);
    const d = (await as<RunDetails>(alice, `/api/v1/staff/runs/${runId}`)).body;
    assert.equal(d.namespace_state, 'deleted');
    assert.deepEqual(d.actions.delete_namespace, { allowed: false, reason: 'the namespace is already deleted' });
  });

  test('the live stream: a run page gets its new events and run changes without asking again', async () => {
    const d = await p.deliver(issuePayload({ issueNumber: 77 }));
    await p.waitFor(d, ['run.started']);
    const run = await p.tdb.db.selectFrom('agent_runs').select(['id']).where('correlation_id', '=', d).executeTakeFirstOrThrow();
    const ac = new AbortController();
    const res = await fetch(`${url}/api/v1/staff/stream?run_id=${run.id}`, { headers: { cookie: `__Host-staff_session=${alice}` }, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const s = await staffSession(url, alice);
    const cancel = staffRequest<ActionResponse>(url, 'POST', `/api/v1/staff/runs/${run.id}/cancel`, { cookie: alice, csrf: s.csrf_token, body: {} });
    try {
      await eventually('the stream carries the cancel and the run\'s new state', async () => {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        return /event: flow\nid: \d+\ndata: \{[^\n]*"event_type":"run\.canceled"/.test(text) && /event: run\nid: \d+\ndata: \{[^\n]*"status":"canceled"/.test(text) ? true : undefined;
      }, 30_000);
    } finally {
      ac.abort();
    }
    assert.equal((await cancel).body.outcome, 'canceled');
    assert.ok(!text.includes(runId), 'another run\'s events never reach this page');
  });

  test('logs: the stored end of the pod log; unknown artifact 404', async () => {
    const logs = await as<LogResponse>(alice, `/api/v1/staff/runs/${runId}/logs?tail=10`);
    assert.equal(logs.status, 200);
    assert.equal(logs.body.source, 'stored_tail');
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/logs?source=pod`), 404, /no live pod of this run/);
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/logs?source=kubelet`), 400, /^source: /);
    const dl = await as(alice, `/api/v1/staff/runs/${runId}/logs/download`);
    assert.equal(dl.status, 200);
    assert.match(String(dl.headers['content-disposition']), new RegExp(`attachment; filename="run-${runId}.log"`));
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/artifacts/none.txt`), 404, /no such artifact/);
    // What an agent uploaded is never a page of the console's origin: HTML comes back as text, a binary as a download.
    const html = Buffer.from('<script>alert(document.cookie)</script>');
    await p.tdb.db.insertInto('agent_artifacts').values([
      { run_id: runId, name: 'page.html', kind: 'file', content_type: 'text/html', size_bytes: html.length, sha256: null, content: html, url: null, number: null, branch: null, title: null },
      { run_id: runId, name: 'blob.bin', kind: 'file', content_type: 'application/octet-stream', size_bytes: 3, sha256: null, content: Buffer.from([0, 1, 2]), url: null, number: null, branch: null, title: null },
    ]).execute();
    const page = await as<string>(alice, `/api/v1/staff/runs/${runId}/artifacts/page.html`);
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.match(String(page.headers['content-security-policy']), /sandbox/);
    assert.equal(page.body, html.toString());
    const blob = await as(alice, `/api/v1/staff/runs/${runId}/artifacts/blob.bin`);
    assert.deepEqual([blob.headers['content-type'], blob.headers['content-disposition']], ['application/octet-stream', 'attachment; filename="blob.bin"']);
    refusedWith(await as(alice, `/api/v1/staff/runs/${runId}/artifacts/..%2Fetc`), 400, /name: not an artifact name/);
  });
});
