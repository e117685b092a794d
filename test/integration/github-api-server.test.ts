import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { throttling } from '@octokit/plugin-throttling';
import { primaryRateLimit, secondaryRateLimit, startGithubApi, type GithubApiServer } from '../support/github-api/index.js';

const OWNER = 'acme';
const REPO = 'shop';
const COMMENT = 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}';

/** The HTTP status of a failed octokit call (RequestError), for assert.rejects. */
function status(expected: number): (err: unknown) => boolean {
  return (err) => {
    assert.equal((err as { status?: number }).status, expected, String(err));
    return true;
  };
}

/** The `rel="next"` target of a GitHub Link header. */
function nextLink(link: string | undefined): string | undefined {
  return /<([^>]+)>;\s*rel="next"/.exec(link ?? '')?.[1];
}

/** A webhook receiver like the platform's ingress: keeps what it got, answers 202. */
async function startReceiver(): Promise<{ url: string; got: Array<{ headers: IncomingHttpHeaders; body: Buffer }>; close(): Promise<void> }> {
  const got: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/webhooks/github`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('GitHub API test server, driven by the published description, with the real octokit', () => {
  let gh: GithubApiServer;
  let app: Octokit; // App JWT for /app, installation token for the rest (@octokit/auth-app)
  const personal = `ghp_${randomUUID().replace(/-/g, '')}`;
  let user: Octokit;

  before(async () => {
    const started = performance.now();
    gh = await startGithubApi();
    console.log(`github api server started in ${Math.round(performance.now() - started)} ms`);
    app = new Octokit({
      baseUrl: gh.url,
      authStrategy: createAppAuth,
      auth: { appId: gh.app.id, privateKey: gh.app.privateKeyPem, installationId: gh.installationId },
    });
    gh.addPersonalToken(personal);
    user = new Octokit({ baseUrl: gh.url, auth: personal });
  });
  after(async () => {
    await gh?.close();
  });

  test('the App mints an installation token and creates, lists (two pages) and edits comments with it', async () => {
    const me = await app.request('GET /app');
    assert.equal(me.data?.slug, gh.app.slug);
    assert.equal(me.headers['x-github-api-version-selected'], '2022-11-28');

    const first = await app.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7, body: 'first' });
    assert.equal(first.status, 201);
    assert.equal(gh.tokensMinted, 1);
    assert.equal(first.data.user?.login, `${gh.app.slug}[bot]`);
    assert.equal(first.data.html_url, `https://github.com/${OWNER}/${REPO}/issues/7#issuecomment-${first.data.id}`);
    assert.equal(first.headers.location, first.data.url);
    assert.ok(Number(first.headers['x-ratelimit-remaining']) < 5000);
    assert.ok(first.headers['x-github-request-id']);
    await app.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7, body: 'second' });
    assert.equal(gh.tokensMinted, 1, 'auth-app reuses its token');

    const page1 = await app.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7, per_page: 1 });
    assert.deepEqual(page1.data.map((c) => c.body), ['first']);
    const next = nextLink(page1.headers.link);
    assert.ok(next, `a next link: ${page1.headers.link}`);
    assert.match(page1.headers.link!, /rel="last"/);
    const page2 = await app.request(`GET ${next}`);
    assert.deepEqual((page2.data as Array<{ body: string }>).map((c) => c.body), ['second']);
    assert.equal(nextLink(page2.headers.link), undefined, 'the last page has no next');

    const edited = await app.request(COMMENT, { owner: OWNER, repo: REPO, comment_id: first.data.id, body: 'first, edited' });
    assert.equal(edited.data.body, 'first, edited');
    assert.ok(edited.data.updated_at > first.data.updated_at, 'updated_at moves on an edit');
    const stored = gh.comments(OWNER, REPO, 7);
    assert.deepEqual(stored.map((c) => [c.body, c.edits]), [['first, edited', 1], ['second', 0]]);
    const again = await app.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: 'ACME', repo: 'Shop', comment_id: first.data.id });
    assert.equal(again.data.body, 'first, edited', 'owner and repo are case-insensitive');

    await assert.rejects(app.request(COMMENT, { owner: OWNER, repo: REPO, comment_id: 999, body: 'x' }), status(404));
  });

  test('a body the description does not allow is refused 422 and recorded', async () => {
    const before = gh.rejected.length;
    // Typed as a plain string, so octokit's route types let the invalid requests through to the server.
    const route: string = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
    const list: string = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';
    await assert.rejects(user.request(route, { owner: OWNER, repo: REPO, issue_number: 8, body: 5 }), (err: unknown) => {
      const e = err as { status: number; response: { data: { message: string; errors: Array<{ field: string; code: string }> } } };
      assert.equal(e.status, 422);
      assert.equal(e.response.data.message, 'Invalid request.');
      assert.deepEqual(e.response.data.errors.map((x) => [x.field, x.code]), [['body', 'invalid']]);
      return true;
    });
    await assert.rejects(user.request(route, { owner: OWNER, repo: REPO, issue_number: 8 }), status(422));
    await assert.rejects(user.request(route, { owner: OWNER, repo: REPO, issue_number: 8, title: 'no body field' }), status(422));
    await assert.rejects(user.request(list, { owner: OWNER, repo: REPO, issue_number: 8, per_page: 'many' }), status(422));
    await assert.rejects(user.request(route, { owner: OWNER, repo: REPO, issue_number: 8, data: 'body=x', headers: { 'content-type': 'text/plain' } }), status(415));
    const added = gh.rejected.slice(before);
    assert.equal(added.length, 5, JSON.stringify(added));
    assert.match(added[0]!.reason, /body must be string/);
    assert.match(added[1]!.reason, /request body is required/);
    assert.match(added[2]!.reason, /"body" wasn't supplied/);
    assert.match(added[3]!.reason, /per_page must be integer/);
    assert.match(added[4]!.reason, /^415/);
    assert.deepEqual(gh.comments(OWNER, REPO, 8), [], 'nothing was created');
  });

  test('paths and methods the description does not have are 404, unimplemented operations 501, all recorded', async () => {
    const before = gh.rejected.length;
    await assert.rejects(user.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: OWNER, repo: REPO }), status(404));
    await assert.rejects(user.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 1 }), status(404));
    // `/issues/comments` is a literal segment: it must win over `/issues/{issue_number}` (which would be a 422).
    await assert.rejects(user.request('GET /repos/{owner}/{repo}/issues/comments', { owner: OWNER, repo: REPO }), status(501));
    const added = gh.rejected.slice(before);
    assert.deepEqual(added.map((r) => r.reason.slice(0, 3)), ['404', '404', '501']);
    assert.match(added[2]!.reason, /issues\/list-comments-for-repo/);
  });

  test('App endpoints need a valid App JWT: none, a token, or a foreign key are 401', async () => {
    const anonymous = new Octokit({ baseUrl: gh.url });
    await assert.rejects(anonymous.request('GET /app/hook/deliveries'), (err: unknown) => {
      const e = err as { status: number; response: { data: { message: string; documentation_url: string } } };
      assert.equal(e.status, 401);
      assert.equal(e.response.data.message, 'A JSON web token could not be decoded');
      assert.ok(e.response.data.documentation_url);
      return true;
    });
    await assert.rejects(user.request('GET /app/hook/deliveries'), status(401));
    const foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const impostor = new Octokit({ baseUrl: gh.url, authStrategy: createAppAuth, auth: { appId: gh.app.id, privateKey: foreignKey } });
    await assert.rejects(impostor.request('GET /app/hook/deliveries'), status(401));
    const wrongInstallation = new Octokit({ baseUrl: gh.url, authStrategy: createAppAuth, auth: { appId: gh.app.id, privateKey: gh.app.privateKeyPem, installationId: 1 } });
    await assert.rejects(wrongInstallation.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner: OWNER, repo: REPO, comment_id: 1 }), status(404));
  });

  test('a revoked installation token gets 401 Bad credentials; a new one works', async () => {
    const auth = createAppAuth({ appId: gh.app.id, privateKey: gh.app.privateKeyPem, request: app.request });
    const { token } = await auth({ type: 'installation', installationId: gh.installationId, refresh: true });
    assert.match(token, /^ghs_\w{36}$/);
    const withToken = new Octokit({ baseUrl: gh.url, auth: token });
    await withToken.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7 });
    gh.revokeInstallationTokens();
    await assert.rejects(withToken.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7 }), (err: unknown) => {
      assert.equal((err as { status: number }).status, 401);
      assert.equal((err as { response: { data: { message: string } } }).response.data.message, 'Bad credentials');
      return true;
    });
    const fresh = await auth({ type: 'installation', installationId: gh.installationId, refresh: true });
    const ok = await new Octokit({ baseUrl: gh.url, auth: fresh.token }).request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7 });
    assert.equal(ok.status, 200);
  });

  test('a fault is answered once (after validation and auth), then the operation works and state is untouched', async () => {
    const [c] = gh.comments(OWNER, REPO, 7);
    gh.fail({ route: COMMENT, status: 502, body: { message: 'Server Error' } });
    const loose: string = COMMENT;
    await assert.rejects(user.request(loose, { owner: OWNER, repo: REPO, comment_id: c!.id, body: 5 }), status(422), 'an invalid request does not use the fault');
    await assert.rejects(user.request(COMMENT, { owner: OWNER, repo: REPO, comment_id: c!.id, body: 'faulted' }), status(502));
    assert.equal(gh.comments(OWNER, REPO, 7)[0]!.body, c!.body);
    const ok = await user.request(COMMENT, { owner: OWNER, repo: REPO, comment_id: c!.id, body: 'after the fault' });
    assert.equal(ok.data.body, 'after the fault');
    assert.equal(gh.requests.filter((r) => r.route === COMMENT && r.status === 502).length, 1);
  });

  test('the ready-made rate limit answers are what @octokit/plugin-throttling recognises', async () => {
    const seen: string[] = [];
    const Throttled = Octokit.plugin(throttling);
    const client = new Throttled({
      baseUrl: gh.url,
      auth: personal,
      throttle: {
        retryAfterBaseValue: 10, // the plugin waits retry-after × this many ms
        onSecondaryRateLimit: (after: number) => (seen.push(`secondary ${after}`), true),
        onRateLimit: (after: number) => (seen.push(`primary ${after > 0}`), true),
      },
    });
    const route = 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments';
    gh.fail({ route, ...secondaryRateLimit(2) });
    gh.fail({ route: '*', ...primaryRateLimit({ resetInSeconds: 1 }) });
    const res = await client.request(route, { owner: OWNER, repo: REPO, issue_number: 7 });
    assert.equal(res.status, 200);
    assert.deepEqual(seen, ['secondary 2', 'primary true']);
    gh.fail({ route: '*', status: 500, times: Infinity });
    gh.clearFaults();
    assert.equal((await user.request(route, { owner: OWNER, repo: REPO, issue_number: 7 })).status, 200);
  });

  test('an unsupported API version is refused 400 and recorded', async () => {
    const before = gh.rejected.length;
    const ok = await user.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7, headers: { 'x-github-api-version': '2022-11-28' } });
    assert.equal(ok.headers['x-github-api-version-selected'], '2022-11-28');
    await assert.rejects(user.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: OWNER, repo: REPO, issue_number: 7, headers: { 'x-github-api-version': '1999-01-01' } }), status(400));
    assert.equal(gh.rejected.length, before + 1);
  });

  test('webhook deliveries: listed newest first with a cursor, and a redelivery is POSTed signed with the same guid', async () => {
    const receiver = await startReceiver();
    const secret = 'whsec-test';
    gh.setWebhook({ url: receiver.url, secret });
    try {
      const guids = [randomUUID(), randomUUID(), randomUUID()];
      const payload = { action: 'labeled', issue: { number: 42 }, repository: { id: 77, full_name: `${OWNER}/${REPO}` }, installation: { id: gh.installationId } };
      const ids = [
        gh.recordDelivery({ guid: guids[0]!, event: 'issues', action: 'labeled', payload, statusCode: 202 }),
        gh.recordDelivery({ guid: guids[1]!, event: 'issues', action: 'labeled', payload, statusCode: 502 }),
        gh.recordDelivery({ guid: guids[2]!, event: 'ping', payload: { zen: 'Keep it logically awesome.' }, statusCode: 200 }),
      ];

      const page1 = await app.request('GET /app/hook/deliveries', { per_page: 2 });
      assert.deepEqual(page1.data.map((d) => d.id), [ids[2], ids[1]]);
      assert.equal(page1.data[1]!.status, 'Invalid HTTP Response: 502');
      assert.equal(page1.data[1]!.repository_id, 77);
      const next = nextLink(page1.headers.link);
      assert.match(next ?? '', /cursor=/);
      const page2 = await app.request(`GET ${next}`);
      assert.deepEqual((page2.data as Array<{ id: number }>).map((d) => d.id), [ids[0]]);
      const failed = await app.request('GET /app/hook/deliveries', { status: 'failure' });
      assert.deepEqual(failed.data.map((d) => d.guid), [guids[1]]);
      const one = await app.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: ids[1]! });
      assert.deepEqual(one.data.request.payload, payload);

      const attempt = await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: ids[1]! });
      assert.equal(attempt.status, 202);
      await gh.idle();
      assert.equal(receiver.got.length, 1);
      const { headers, body } = receiver.got[0]!;
      assert.equal(headers['x-github-delivery'], guids[1]);
      assert.equal(headers['x-github-event'], 'issues');
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['x-github-hook-id'], String(gh.hookId));
      assert.equal(headers['x-github-hook-installation-target-id'], String(gh.app.id));
      assert.match(String(headers['user-agent']), /^GitHub-Hookshot\//);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const signature = Buffer.from(String(headers['x-hub-signature-256']));
      assert.ok(signature.length === expected.length && timingSafeEqual(signature, expected), 'signed with the secret over the exact body');
      assert.deepEqual(JSON.parse(body.toString('utf8')), payload);

      const redelivered = gh.deliveries().at(-1)!;
      assert.deepEqual({ guid: redelivered.guid, redelivery: redelivered.redelivery, status_code: redelivered.status_code }, { guid: guids[1], redelivery: true, status_code: 202 });
      assert.deepEqual(gh.redeliveryRequests(), [ids[1]]);
      const listed = await app.request('GET /app/hook/deliveries', { per_page: 1 });
      assert.equal(listed.data[0]!.id, redelivered.id, 'the redelivery is the newest');

      await assert.rejects(app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: 1 }), status(404));
    } finally {
      await receiver.close();
    }
  });

  test('every answer the server gave conforms to the description', () => {
    assert.deepEqual(gh.responseErrors, []);
    assert.ok(gh.requests.length > 30);
    assert.ok(gh.requests.every((r) => r.status > 0 && r.at > 0));
  });
});
