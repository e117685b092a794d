import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { getRun } from '@codex-k8s/db';
import { placementAnnotations } from '@codex-k8s/kube';
import { acceptsTcp, ensureImages, imageRef, PLATFORM_SERVICES, realNodeEnv, waitForDefaultServiceAccount } from '@codex-k8s/stack';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { eventually } from '../support/github.js';
import { testNode, testStack } from '../support/stack.js';
import { adminKubeConfig, issuePayload, startPlatform, type Platform } from '../support/platform.js';

// The stack's real node (containerd, kubelet, kube-proxy, CoreDNS in a network namespace of the stack's own): pods
// placed there by their namespace's annotations run for real, and the agent's real output reaches the run.

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const node = testNode;
const placement = realNodeEnv();
const tolerations = JSON.parse(placement.CODEXK8S_WORKLOAD_TOLERATIONS) as [];
const AGENT_IMAGE = imageRef('agent-runner');
const NODE_PORT = 18_099;


/** The status the kubelet answers a request without credentials with (its serving certificate is not checked: a probe). */
function kubeletStatus(host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host, port, path, rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timeout'))).end();
  });
}

// Built once per machine (cached by content) and imported into this stack's containerd when the file loads, before
// any API request: the build and import block the event loop (minutes for the platform image on a cold machine), and
// a keep-alive connection the apiserver closed meanwhile would fail the next request.
ensureImages(node().socket, ['agent-runner', 'platform']);

/** A namespace whose pods land on the real node, once its default ServiceAccount exists (pods are refused before). */
async function realNodeNamespace(ns: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: ns, annotations: placementAnnotations({ nodeSelector: { 'codex-k8s.dev/node': 'real' }, tolerations }) } } });
  await waitForDefaultServiceAccount(testStack().kube?.kubeconfig ?? '', ns);
}

async function podDone(namespace: string, name: string): Promise<V1Pod> {
  return eventually(`pod ${namespace}/${name} to finish`, async () => {
    const p = await core.readNamespacedPod({ name, namespace });
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
  }, 60_000);
}

describe('the real node', () => {
  test('pods placed by namespace annotations run there: Services by name through cluster DNS, logs through the apiserver, and nothing on the host is open to them but DNS', async () => {
    const ns = `real-node-${randomUUID().slice(0, 8)}`;
    const n = node();
    await realNodeNamespace(ns);
    let inNode: ChildProcess | undefined;
    try {
      const pod = (name: string, labels: Record<string, string>, script: string): V1Pod => ({
        metadata: { name, labels },
        spec: { restartPolicy: 'Never', shareProcessNamespace: true, containers: [{ name: 'c', image: AGENT_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script] }] },
      });
      await core.createNamespacedPod({ namespace: ns, body: pod('web', { app: 'web' }, 'mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www') });
      await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } });
      const web = await eventually('web to run', async () => {
        const p = await core.readNamespacedPod({ name: 'web', namespace: ns });
        return p.status?.phase === 'Running' ? p : undefined;
      }, 60_000);
      // Admission gave the pod the node selector and toleration from its namespace; the scheduler put it on the real node.
      assert.equal(web.spec?.nodeName, n.name);
      assert.equal(web.spec?.nodeSelector?.['codex-k8s.dev/node'], 'real');
      assert.ok(web.status?.podIP?.startsWith(n.network.podSubnet.split('.').slice(0, 3).join('.')), `pod IP ${web.status?.podIP} in ${n.network.podSubnet}`);

      const kubeletPort = (await core.readNode({ name: n.name })).status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
      assert.ok(kubeletPort > 0);
      // Two listeners the pods must not reach, both open from the host: the kubelet, and one inside the node's namespace.
      inNode = spawn('nsenter', [`--net=/run/netns/${n.netns}`, 'socat', `TCP-LISTEN:${NODE_PORT},bind=${n.network.nodeAddress},reuseaddr,fork`, 'EXEC:echo open'], { stdio: 'ignore' });
      assert.ok(await eventually('the listener in the node namespace', async () => ((await acceptsTcp(n.network.nodeAddress, NODE_PORT)) ? true : undefined), 10_000));
      assert.ok(await acceptsTcp(n.network.hostAddress, kubeletPort), 'the kubelet answers the host');
      // ...but only the apiserver gets anything from it: anonymous requests are refused (its client CA signs only the apiserver).
      assert.equal(await kubeletStatus(n.network.hostAddress, kubeletPort, '/pods'), 401, 'anonymous /pods');
      assert.equal(await kubeletStatus(n.network.hostAddress, kubeletPort, `/containerLogs/${ns}/web/c`), 401, 'anonymous container logs');
      const probe = [
        // The Service by its short name: CoreDNS answers it, kube-proxy carries it to the pod (retried while endpoints settle).
        `for i in 1 2 3 4 5 6 7 8 9 10; do body=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web 80 | tail -n 1); [ -n "$body" ] && break; sleep 1; done; echo "service: $body"`,
        `nc -w 3 ${n.network.hostAddress} ${kubeletPort} </dev/null && echo "kubelet: open" || echo "kubelet: closed"`,
        `nc -w 3 ${n.network.nodeAddress} ${NODE_PORT} </dev/null && echo "node: open" || echo "node: closed"`,
        'echo done',
      ].join('; ');
      await core.createNamespacedPod({ namespace: ns, body: pod('client', {}, probe) });
      const client = await podDone(ns, 'client');
      assert.equal(client.spec?.nodeName, n.name);
      const logs = await core.readNamespacedPodLog({ name: 'client', namespace: ns });
      assert.match(logs, /^service: web$/m, `the page the web pod serves (its hostname) came back through the Service name:\n${logs}`);
      assert.match(logs, /^kubelet: closed$/m, 'the kubelet port on the host end of the link is closed to pods');
      assert.match(logs, /^node: closed$/m, 'the node namespace itself is closed to pods');
      assert.match(logs, /^done$/m);
    } finally {
      inNode?.kill();
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  });
});

describe('the platform image', () => {
  test("runs every service's entry point from the Dockerfile's layout, with git for the deployer, as uid 1000", async () => {
    const ns = `platform-image-${randomUUID().slice(0, 8)}`;
    await realNodeNamespace(ns);
    try {
      // Without configuration each service stops at its config check (exit 78), which runs after every module it
      // imports has loaded: a dependency missing from the image would fail before that with ERR_MODULE_NOT_FOUND.
      const script = [
        `for s in ${PLATFORM_SERVICES.join(' ')}; do SERVICE=$s node services/$s/dist/main.js >/tmp/out 2>&1; code=$?; head -n 2 /tmp/out; echo "$s exit $code"; done`,
        'id -u',
        'git --version && git init -q /tmp/repo && echo "git works"',
      ].join('; ');
      await core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'platform' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: imageRef('platform'), imagePullPolicy: 'Never', command: ['sh', '-c', script] }] } },
      });
      const pod = await podDone(ns, 'platform');
      const logs = await core.readNamespacedPodLog({ name: 'platform', namespace: ns });
      assert.equal(pod.status?.phase, 'Succeeded', logs);
      assert.doesNotMatch(logs, /ERR_MODULE_NOT_FOUND|Cannot find/, logs);
      for (const s of PLATFORM_SERVICES) assert.match(logs, new RegExp(`^${s}: invalid configuration:\\n\\s+DATABASE_URL: .*\\n${s} exit 78$`, 'm'), `${s} loads and checks its configuration:\n${logs}`);
      assert.match(logs, /^1000$/m, 'runs as uid 1000, as the Dockerfile\'s image does');
      assert.match(logs, /^git version \d+\.\d+/m);
      assert.match(logs, /^git works$/m);
    } finally {
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
  });
});

describe('the agent Job on the real node', () => {
  let p: Platform;
  before(async () => {
    ensureImages(node().socket, ['agent-runner']);
    p = await startPlatform({
      env: {
        ...placement,
        CODEXK8S_WORKER_JOB_IMAGE: AGENT_IMAGE,
        // The delivery id (the run's correlation id) tells the probe how to end: a test-chosen exit code.
        CODEXK8S_WORKER_JOB_COMMAND: 'case "$CODEXK8S_CORRELATION_ID" in exit-3-*) codex-agent-probe 3 ;; *) codex-agent-probe ;; esac',
      },
    });
  });
  after(async () => {
    await p?.stop();
  });

  const runOf = async (delivery: string, terminal: string) => {
    const rows = await p.waitFor(delivery, [terminal, 'run.namespace.cleaned'], 120_000);
    const ended = rows.find((r) => r.event_type === terminal)?.payload as { run_id: string; exit_code?: number | null; reason: string | null };
    const run = await getRun(p.tdb.db, ended.run_id);
    return { ended, run, rows };
  };

  test("a run's agent really runs: its output is stored with the run before the namespace goes, and run.succeeded carries exit code 0", async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 1201 }));
    const { ended, run, rows } = await runOf(delivery, 'run.succeeded');
    assert.equal(ended.exit_code, 0);
    const out = run?.agent_logs_tail ?? '';
    assert.match(out, new RegExp(`codex-k8s agent probe: run ${ended.run_id} \\(project ${p.projectId}, full-env\\)`), out);
    // What only a real container can print: its pod's hostname, its user, the kernel, the Node in the image.
    assert.match(out, new RegExp(`pod codex-k8s-run-[0-9a-z-]+, uid 65532, kernel \\S+, node v\\d+\\.\\d+\\.\\d+`), out);
    assert.match(out, /probe error stream/, 'stderr is kept with stdout');
    assert.match(out, /exiting with 0/);
    const types = rows.map((r) => r.event_type);
    assert.ok(types.indexOf('run.succeeded') < types.indexOf('run.namespace.cleaned'));
  });

  test('a failing agent ends the run failed with its exit code and its output', async () => {
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 1202 }), 'issues', `exit-3-${randomUUID()}`);
    const { ended, run } = await runOf(delivery, 'run.failed');
    assert.equal(ended.exit_code, 3);
    assert.equal(run?.status, 'failed');
    assert.match(run?.agent_logs_tail ?? '', /exiting with 3/);
  });

  test('an agent image the node does not have fails the run early with the kubelet\'s reason, not after the deadline', async () => {
    await p.restart('agent-launcher', 'stop', { CODEXK8S_WORKER_JOB_IMAGE: 'codex.local/absent:1' });
    const t0 = Date.now();
    const delivery = await p.deliver(issuePayload({ label: 'run:dev', issueNumber: 1203 }));
    const { ended } = await runOf(delivery, 'run.failed');
    assert.match(ended.reason ?? '', /^(ErrImageNeverPull|ErrImagePull|ImagePullBackOff)$/);
    assert.equal(ended.exit_code, null, 'the agent never ran');
    assert.ok(Date.now() - t0 < 90_000, `ended within ${Date.now() - t0} ms (the Job deadline is 900 s)`);
  });
});

