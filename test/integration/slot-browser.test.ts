import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkSlotPage, ensureImages, imageRef, localCaPem, realNodeEnv, type StackState } from '@codex-k8s/stack';
import { CoreV1Api } from '@kubernetes/client-node';
import { artifactDir, launchBrowser } from '../support/browser.js';
import { sampleProjectAs } from '../support/git.js';
import { seedSampleProject } from '../../scripts/dev/seed.js';
import { testStack } from '../support/stack.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

// The seed's acceptance for a full-env slot, in a real browser: the sample project deployed from its repository onto
// the stack's real node (Postgres, the migration Job, the api, the web front), its Ingress served over HTTPS by the
// stack's TLS proxy with the certificate cert-manager issued, and the page showing what the api read from Postgres.

const core = adminKubeConfig().makeApiClient(CoreV1Api);
const SLUG = 'browser';
const NAMESPACE = `${SLUG}-dev-1`;

describe('a slot opens in the browser over HTTPS', () => {
  let p: Platform;
  let stack: StackState;

  before(async () => {
    const s = testStack();
    assert.ok(s?.node?.proxy, 'the test stack runs a real node with its TLS proxy');
    stack = s;
    ensureImages(s.node.socket, ['agent-runner', 'shop-api', 'shop-web', 'shop-postgres']);
    // The sample project under this test's own name, so its slot namespace and host are its own.
    const repo = sampleProjectAs(SLUG);
    p = await startPlatform({
      env: { ...realNodeEnv(), CODEXK8S_CLUSTER_ISSUER: 'codex-k8s-local-ca', CODEXK8S_WORKER_JOB_IMAGE: imageRef('agent-runner'), CODEXK8S_WORKER_JOB_COMMAND: 'codex-agent-probe' },
      services: ['audit-writer', 'planner', 'namespace-provisioner', 'deployer', 'tls-watcher', 'agent-launcher', 'webhook-ingress'],
      // The repository the delivery fixture names (its id), bound to this test's own project (this file's own database).
      before: async (db) => void (await seedSampleProject(db, { slug: SLUG, name: 'Browser', slotsFrom: repo.url })),
    });
  });
  after(async () => {
    await p?.stop();
    await core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  test('run:dev: the page at the slot URL answers over HTTPS with the issued certificate and shows the rows the migration made', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 4242 }));
    const rows = await p.waitFor(delivery, ['slot.ready', 'run.succeeded'], 180_000);
    const url = (rows.find((r) => r.event_type === 'slot.ready')?.payload as { public_url: string }).public_url;
    assert.equal(url, `https://${SLUG}-1.ai.example.test`);

    // Every pod of the slot ran on the real node, placed there by its namespace.
    const pods = (await core.listNamespacedPod({ namespace: NAMESPACE })).items;
    assert.ok(pods.length >= 4);
    for (const pod of pods) assert.equal(pod.spec?.nodeName, stack.node?.name, `${pod.metadata?.name} on the real node`);
    const migrate = pods.find((x) => x.metadata?.name?.startsWith('migrate-'));
    assert.equal(migrate?.status?.phase, 'Succeeded', 'the migration Job really ran');
    assert.match(await core.readNamespacedPodLog({ name: migrate?.metadata?.name ?? '', namespace: NAMESPACE }), /migration done: table items has 3 rows/);

    const host = new URL(url).hostname;
    const { browser, close } = await launchBrowser({ caPem: await localCaPem(stack.kube?.kubeconfig ?? ''), hosts: { [host]: stack.node?.proxy?.address ?? '' } });
    try {
      const page = await browser.newPage();
      // The proxy picks the route up within a second of the Ingress's endpoints becoming ready.
      let response = await page.goto(url, { waitUntil: 'load' });
      for (let i = 0; i < 20 && response?.status() !== 200; i++) {
        await page.waitForTimeout(500);
        response = await page.goto(url, { waitUntil: 'load' });
      }
      assert.equal(response?.status(), 200, await page.content());
      // Chromium accepted the chain (its NSS database trusts only the stack's CA) for this host name; what it was shown
      // is the certificate in the Secret the slot's Ingress names, the one cert-manager issued.
      const security = await response?.securityDetails();
      assert.equal(security?.issuer, 'codex-k8s local CA');
      const served = await checkSlotPage({ kubeconfig: stack.kube?.kubeconfig ?? '', proxyAddress: stack.node?.proxy?.address ?? '', url, namespace: NAMESPACE });
      assert.ok(served.certificateFromSecret, 'the proxy presents the certificate from the Ingress Secret');
      assert.equal(security?.validTo, Math.floor(served.validTo / 1000));
      assert.match(await page.textContent('#source') ?? '', /3 items read by the api from Postgres database shop/);
      assert.deepEqual(await page.locator('#items li').allTextContents(), ['Espresso beans, 1 kg', 'Milk frother', 'Ceramic cup']);
      const shot = join(artifactDir(), 'slot-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot of ${url}: ${shot}`);
    } finally {
      await close();
    }
  });
});
