import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, createLoginLink, upsertProject } from '@codex-k8s/db';
import { REPO_ROOT, ensureImages, imageRef, localCaPem, realNodeEnv, resolveBinaries, type StackState } from '@codex-k8s/stack';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedSampleProject } from '../../scripts/dev/seed.js';
import { artifactDir, launchBrowser } from '../support/browser.js';
import { eventually } from '../support/github.js';
import { sampleProjectAs } from '../support/git.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';
import { staffRequest } from '../support/staff.js';
import { testNode, testStack } from '../support/stack.js';

// The staff console in Debian's Chromium against the real platform on the stack's real node: a run:dev posted while
// the runs page is open appears there and moves to its end without a reload; its run page shows the timeline, events,
// the agent's log and artifacts, and runbook commands that name its real namespace (one of them is run here); the
// slot's public URL opens the slot over HTTPS; cancel and delete-namespace work from the UI and are audited as the
// staff member's acts; a read-only member sees no action buttons and is refused by the API.
// With CODEXK8S_DOCS_SCREENSHOTS=1 the screenshots of the runs list and the run page go to docs/images (the ones
// docs/staff-console.md shows); otherwise to the test artifacts directory.

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const SLUG = 'console';
const SLOT_NS = `${SLUG}-dev-1`;
const [SMOKE, SLEEPY] = [4401, 4402];
/** A second repository, bound to a project without slots: its runs are plain full-env runs (with their own namespace). */
const LAB_REPO = { id: 987654377, name: 'lab', full_name: 'acme/lab' };
const COMMAND = ['case "$CODEXK8S_ISSUE_NUMBER" in', `  ${SMOKE}) exec codex-agent-smoke ;;`, `  *) echo "working until canceled"; sleep 600 ;;`, 'esac'].join('\n');

ensureImages(testNode().socket, ['agent-runner', 'shop-api', 'shop-web', 'shop-postgres']);

function payload(issue: number, repo?: typeof LAB_REPO): string {
  const p = JSON.parse(issuePayload({ label: 'run:dev', issueNumber: issue })) as { repository: Record<string, unknown> };
  if (repo) Object.assign(p.repository, repo);
  return JSON.stringify(p);
}

function screenshotPath(name: string): string {
  if (process.env.CODEXK8S_DOCS_SCREENSHOTS !== '1') return join(artifactDir(), name);
  const dir = join(REPO_ROOT, 'docs', 'images');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

describe('the staff console in a real browser', () => {
  let p: Platform;
  let stack: StackState;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let alice: BrowserContext;
  let page: Page;
  let slotHost: string;

  /** A browser context signed in through a one-time login link (the cookie the console sets, nothing injected). */
  async function signedIn(login: string): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const pg = await ctx.newPage();
    await pg.goto(`${p.consoleUrl}/login?t=${await createLoginLink(p.tdb.db, login, 60)}`);
    await pg.waitForSelector(`[data-testid=login]:has-text("${login}")`);
    await pg.close();
    return ctx;
  }
  const runOf = async (delivery: string): Promise<string> =>
    eventually(`the run of ${delivery}`, async () => (await p.tdb.db.selectFrom('agent_runs').select('id').where('correlation_id', '=', delivery).executeTakeFirst())?.id, 30_000);

  before(async () => {
    stack = testStack() as StackState;
    const repo = sampleProjectAs(SLUG);
    p = await startPlatform({
      env: {
        ...realNodeEnv(),
        CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca',
        CODEXK8S_WORKER_JOB_IMAGE: imageRef('agent-runner'),
        CODEXK8S_WORKER_JOB_RUNNER: '/usr/local/bin/codex-agent-runner',
        CODEXK8S_WORKER_JOB_COMMAND: COMMAND,
        // Ended runs keep their namespace: a staff member deletes it from the console.
        CODEXK8S_WORKER_RUN_NAMESPACE_CLEANUP: 'false',
      },
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'agent-gateway', 'staff-console', 'webhook-ingress'],
      before: async (db) => {
        const shop = await seedSampleProject(db, { slug: SLUG, name: 'Console', slotsFrom: repo.url });
        const lab = await upsertProject(db, { id: deterministicId('project', 'console-lab'), slug: 'lab', name: 'Lab', settings: {} });
        await bindRepository(db, { projectId: lab.id, externalId: LAB_REPO.id, owner: 'acme', name: LAB_REPO.name, cloneUrl: 'https://github.example.test/acme/lab.git' });
        await addMember(db, { projectId: lab.id, login: 'alice', role: 'admin' });
        for (const id of [shop, lab.id]) await addMember(db, { projectId: id, login: 'bob', role: 'read_only' });
      },
    });
    slotHost = `${SLUG}-1.ai.example.test`;
    ({ browser, close: closeBrowser } = await launchBrowser({ caPem: await localCaPem(stack.kube?.kubeconfig ?? ''), hosts: { [slotHost]: stack.node?.proxy?.address ?? '' } }));
    alice = await signedIn('alice');
    page = await alice.newPage();
  });
  after(async () => {
    await closeBrowser?.();
    await p?.stop();
    await core.deleteNamespace({ name: SLOT_NS }).catch(() => undefined);
  });

  test('a run:dev posted while the runs page is open appears and moves to succeeded without a reload', async () => {
    await page.goto(`${p.consoleUrl}/`);
    await page.waitForSelector('h1, main');
    // A mark on this page's window: a reload or a navigation would lose it.
    await page.evaluate(() => Object.assign(globalThis, { __samePage: true }));
    const delivery = await p.deliver(payload(SMOKE));
    const runId = await runOf(delivery);
    const row = page.locator(`tr[data-run-id="${runId}"]`);
    await row.waitFor({ timeout: 30_000 });
    const seen = new Set<string>();
    await eventually('the row reaches succeeded', async () => {
      const s = (await row.locator('[data-status]').getAttribute('data-status')) ?? '';
      seen.add(s);
      return s === 'succeeded' ? true : undefined;
    }, 300_000);
    assert.ok(seen.has('pending') || seen.has('running'), `the row showed the run before its end: ${[...seen].join(', ')}`);
    assert.equal(await page.evaluate(() => (globalThis as { __samePage?: boolean }).__samePage), true, 'no reload happened');
    await page.screenshot({ path: screenshotPath('staff-runs.png') });
  });

  test('its run page: timeline, events, the agent\'s log and report, the deploy, and runbook commands that work', async () => {
    const runId = (await p.tdb.db.selectFrom('agent_runs').select('id').where('issue_number', '=', SMOKE).executeTakeFirstOrThrow()).id;
    await page.locator(`tr[data-run-id="${runId}"] a[href="/runs/${runId}"]`).click();
    await page.waitForSelector(`main[data-run-id="${runId}"]`);
    assert.equal(await page.locator('[data-testid=run-status]').textContent(), 'succeeded');
    for (const phase of ['received', 'slot ready (TLS)', 'job started', 'agent finished', 'ended']) assert.ok((await page.locator('#timeline').textContent())?.includes(phase), `timeline: ${phase}`);
    for (const type of ['webhook.received', 'slot.ready', 'run.agent.finished', 'run.succeeded']) await page.locator(`#events [data-event-type="${type}"]`).first().waitFor();
    await eventually('the log shows the smoke agent\'s lines', async () => ((await page.locator('pre#log-text').textContent()) ?? '').includes('smoke checks passed') || undefined, 20_000);
    assert.ok((await page.locator('#artifacts').textContent())?.includes('reports__smoke.md'));
    assert.ok((await page.locator('#deploy').textContent())?.includes(SLOT_NS));
    // The runbook names the run's real namespace and Job: run one command as an operator would.
    const cmd = (await page.locator('code[data-runbook="ingress"]').textContent()) ?? '';
    assert.equal(cmd, `kubectl -n ${SLOT_NS} get ingress -o wide`);
    const kubectl = resolveBinaries(['k8s']).kubectl as string;
    const out = execFileSync(kubectl, cmd.split(' ').slice(1), { env: { ...process.env, KUBECONFIG: stack.kube?.kubeconfig ?? '' }, encoding: 'utf8' });
    assert.match(out, new RegExp(`\\b${slotHost.replace(/\./g, '\\.')}\\b`), out);
    const pods = (await page.locator('code[data-runbook="pods"]').textContent()) ?? '';
    assert.equal(pods, `kubectl -n ${SLOT_NS} get pods -l job-name=codex-k8s-run-${runId} -o wide`);
    await page.screenshot({ path: screenshotPath('staff-run.png'), fullPage: true });
  });

  test('the slots page shows the slot\'s public URL; clicking it opens the slot over HTTPS', async () => {
    await page.goto(`${p.consoleUrl}/slots`);
    const link = page.locator(`tr[data-slot="${SLUG}/1"] a[data-testid=slot-url]`);
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `https://${slotHost}`);
    const [slot] = await Promise.all([alice.waitForEvent('page'), link.click()]);
    await slot.waitForLoadState('load');
    let text = (await slot.textContent('body')) ?? '';
    for (let i = 0; i < 20 && !text.includes('Ceramic cup'); i++) {
      await slot.waitForTimeout(500);
      await slot.reload();
      text = (await slot.textContent('body')) ?? '';
    }
    assert.equal(new URL(slot.url()).hostname, slotHost);
    assert.ok(text.includes('Ceramic cup'), text);
    await slot.close();
  });

  test('cancel and delete namespace from the UI, audited as alice\'s acts; a read-only member sees no actions and is refused', async () => {
    const delivery = await p.deliver(payload(SLEEPY, LAB_REPO));
    await p.waitFor(delivery, ['run.agent.started'], 120_000);
    const runId = await runOf(delivery);
    const ns = (await p.tdb.db.selectFrom('agent_runs').select('namespace').where('id', '=', runId).executeTakeFirstOrThrow()).namespace as string;
    // bob (read_only) first: no action buttons at all, and the API refuses him.
    const bobCtx = await signedIn('bob');
    const bobPage = await bobCtx.newPage();
    await bobPage.goto(`${p.consoleUrl}/runs/${runId}`);
    await bobPage.waitForSelector(`main[data-run-id="${runId}"] [data-testid=run-status]`);
    await bobPage.locator('#events [data-event-type="run.agent.started"]').first().waitFor();
    assert.equal(await bobPage.locator('button[data-action]').count(), 0, 'a read-only member sees no action buttons');
    const bobCookie = (await bobCtx.cookies()).find((c) => c.name === '__Host-staff_session')?.value ?? '';
    const bobCsrf = ((await staffRequest<{ csrf_token: string }>(p.consoleUrl as string, 'GET', '/api/v1/staff/session', { cookie: bobCookie })).body).csrf_token;
    const refused = await staffRequest<{ error: string }>(p.consoleUrl as string, 'POST', `/api/v1/staff/runs/${runId}/cancel`, { cookie: bobCookie, csrf: bobCsrf, body: {} });
    assert.deepEqual([refused.status, refused.body.error], [403, 'only project admins may cancel runs']);
    await bobCtx.close();

    // While its pod lives, the page's log is also readable as the pod printed it (source=pod).
    const aliceCookie = (await alice.cookies()).find((c) => c.name === '__Host-staff_session')?.value ?? '';
    const podLog = await eventually('the live pod\'s log', async () => {
      const r = await staffRequest<{ source: string; lines: string[] }>(p.consoleUrl as string, 'GET', `/api/v1/staff/runs/${runId}/logs?source=pod&tail=20`, { cookie: aliceCookie });
      return r.status === 200 && r.body.lines.some((l) => l.includes('working until canceled')) ? r.body : undefined;
    }, 30_000);
    assert.equal(podLog.source, 'pod');

    // alice cancels from the run page, with the keyboard-usable confirm dialog.
    await page.goto(`${p.consoleUrl}/runs/${runId}`);
    await page.locator('button[data-action="cancel"]').click();
    await page.locator('dialog button[data-confirm]').click();
    await eventually('the result shows', async () => ((await page.locator('[data-testid=action-result]').textContent()) === 'Run canceled.' ? true : undefined), 30_000);
    await eventually('the status chip follows', async () => ((await page.locator('[data-testid=run-status]').textContent()) === 'canceled' ? true : undefined), 10_000);
    // Then deletes its namespace (kept: cleanup is off), from the same page.
    await eventually('delete namespace enabled', async () => ((await page.locator('button[data-action="delete-namespace"]').isEnabled()) ? true : undefined), 10_000);
    await page.locator('button[data-action="delete-namespace"]').click();
    await page.locator('dialog button[data-confirm]').click();
    await eventually('the delete result shows', async () => ((await page.locator('[data-testid=action-result]').textContent()) === `Namespace ${ns} deleted.` ? true : undefined), 30_000);
    const gone = await staffRequest<{ error: string }>(p.consoleUrl as string, 'GET', `/api/v1/staff/runs/${runId}/logs?source=pod`, { cookie: aliceCookie });
    assert.deepEqual([gone.status, gone.body.error], [404, 'no live pod of this run to read (it ended, or has not started)']);
    await eventually('the namespace goes', () => core.readNamespace({ name: ns }).then((n) => (n.metadata?.deletionTimestamp ? true : undefined), () => true), 60_000);
    const rows = await p.timeline(delivery);
    const acts = rows.filter((r) => ['run.cancel_requested', 'run.canceled', 'run.namespace.delete_requested', 'run.namespace.delete_by_staff'].includes(r.event_type));
    assert.deepEqual(acts.map((r) => [r.event_type, r.actor_type, r.actor_id]).sort(), [
      ['run.cancel_requested', 'human', 'alice'],
      ['run.canceled', 'human', 'alice'],
      ['run.namespace.delete_by_staff', 'human', 'alice'],
      ['run.namespace.delete_requested', 'human', 'alice'],
    ]);
    assert.deepEqual(rows.filter((r) => /^run\.(succeeded|failed|canceled)/.test(r.event_type)).map((r) => r.event_type), ['run.canceled'], 'one end');
  });

  test('redeploy a slot from the slots page: every unit applied again under a new fingerprint, audited as alice\'s act', async () => {
    const before = await p.tdb.db.selectFrom('runtime_deploy_tasks').select(['fingerprint']).where('namespace', '=', SLOT_NS).where('status', '=', 'succeeded').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    await page.goto(`${p.consoleUrl}/slots`);
    const row = page.locator(`tr[data-slot="${SLUG}/1"]`);
    await eventually('the redeploy button enabled (the slot is free)', async () => ((await row.locator('button[data-action="redeploy"]').isEnabled()) ? true : undefined), 30_000);
    await row.locator('button[data-action="redeploy"]').click();
    await page.locator('dialog button[data-confirm]').click();
    await row.locator('[data-testid=last-redeploy][data-redeploy-status="succeeded"]').waitFor({ timeout: 240_000 });
    const done = await eventually('slot.redeployed recorded', async () =>
      p.tdb.db.selectFrom('flow_events').select(['actor_type', 'actor_id', 'payload']).where('event_type', '=', 'slot.redeployed').executeTakeFirst(), 30_000);
    assert.deepEqual([done.actor_type, done.actor_id], ['human', 'alice']);
    const data = done.payload as { fingerprint: string; units: number; namespace: string };
    assert.equal(data.namespace, SLOT_NS);
    assert.notEqual(data.fingerprint, before.fingerprint, 'a new fingerprint');
    assert.ok(data.units >= 4, `every unit applied again: ${data.units}`);
    const requested = await p.tdb.db.selectFrom('flow_events').select(['actor_type', 'actor_id']).where('event_type', '=', 'slot.redeploy_requested').executeTakeFirstOrThrow();
    assert.deepEqual([requested.actor_type, requested.actor_id], ['human', 'alice']);
    // The slot's page still opens after it (the stack was applied again, not torn down).
    assert.equal((await p.tdb.db.selectFrom('slots').select('state').where('slot_no', '=', 1).where('project_id', '=', deterministicId('project', SLUG)).executeTakeFirstOrThrow()).state, 'free');
  });
});
