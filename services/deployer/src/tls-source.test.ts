import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlsSourceProblem } from './tls-source.js';

const HOST = 'shop-1.ai.example.test';
const ingress = (o: { annotation?: boolean; secretName?: string; hosts?: string[] } = {}) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'gateway', annotations: o.annotation === false ? ({} as Record<string, string>) : { 'cert-manager.io/cluster-issuer': 'ca' } },
  spec: { tls: [{ hosts: o.hosts ?? [HOST], secretName: o.secretName ?? 'codex-k8s-ai-tls' }] },
});

test('an annotated Ingress with a tls entry for the host and the secret issues the certificate', () => {
  assert.equal(tlsSourceProblem([ingress()], HOST, 'codex-k8s-ai-tls'), undefined);
});

test('a Certificate for the host writing the secret issues it too', () => {
  const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c' }, spec: { secretName: 'codex-k8s-ai-tls', dnsNames: [HOST] } };
  assert.equal(tlsSourceProblem([cert], HOST, 'codex-k8s-ai-tls'), undefined);
});

test('no Ingress, no annotation, another secret or another host: the deploy fails at once, naming host and secret', () => {
  for (const objects of [[], [ingress({ annotation: false })], [ingress({ secretName: 'other' })], [ingress({ hosts: ['other.example.test'] })]]) {
    const problem = tlsSourceProblem(objects, HOST, 'codex-k8s-ai-tls');
    assert.match(problem ?? '', /shop-1\.ai\.example\.test.*codex-k8s-ai-tls/);
  }
});
