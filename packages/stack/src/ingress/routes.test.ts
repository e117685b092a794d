import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1EndpointSlice, V1Ingress, V1Service } from '@kubernetes/client-node';
import { nginxConfig } from './nginx.js';
import { ingressRoutes } from './routes.js';

const ingress = (ns: string, name: string, host: string, paths: { path: string; svc: string; port: number; exact?: boolean }[], secret?: string, created = '2026-11-30T10:00:00Z'): V1Ingress => ({
  metadata: { namespace: ns, name, creationTimestamp: new Date(created) },
  spec: {
    ...(secret ? { tls: [{ hosts: [host], secretName: secret }] } : {}),
    rules: [{ host, http: { paths: paths.map((p) => ({ path: p.path, pathType: p.exact ? 'Exact' : 'Prefix', backend: { service: { name: p.svc, port: { number: p.port } } } })) } }],
  },
});
const service = (ns: string, name: string, port: number, portName?: string): V1Service => ({ metadata: { namespace: ns, name }, spec: { ports: [{ port, ...(portName ? { name: portName } : {}) }] } });
const slice = (ns: string, svc: string, port: number, addresses: [string, boolean][], portName?: string): V1EndpointSlice => ({
  addressType: 'IPv4',
  metadata: { namespace: ns, name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } },
  ports: [{ port, ...(portName ? { name: portName } : {}) }],
  endpoints: addresses.map(([a, ready]) => ({ addresses: [a], conditions: { ready } })),
});

test('a host routes each path to the ready endpoints of its Service port, longest path first', () => {
  const routes = ingressRoutes(
    [ingress('shop-dev-1', 'gateway', 'shop-1.ai.example.test', [{ path: '/', svc: 'web', port: 80 }, { path: '/api', svc: 'api', port: 80 }], 'shop-1-tls')],
    [service('shop-dev-1', 'web', 80), service('shop-dev-1', 'api', 80, 'http'), service('other', 'web', 80)],
    [slice('shop-dev-1', 'web', 4180, [['10.88.1.5', true], ['10.88.1.6', false]]), slice('shop-dev-1', 'api', 8080, [['10.88.1.7', true]], 'http'), slice('other', 'web', 9999, [['10.9.9.9', true]])],
  );
  assert.deepEqual(routes, [{
    host: 'shop-1.ai.example.test',
    tls: { namespace: 'shop-dev-1', secret: 'shop-1-tls' },
    paths: [
      { path: '/api', exact: false, backends: [{ address: '10.88.1.7', port: 8080 }] },
      { path: '/', exact: false, backends: [{ address: '10.88.1.5', port: 4180 }] },
    ],
  }]);
});

test("a tenant cannot take another's host, and names that are not plain hosts or paths never reach the configuration", () => {
  const routes = ingressRoutes(
    [
      ingress('a-ns', 'gw', 'shop.example.test', [{ path: '/', svc: 'web', port: 80 }], 'a-tls'),
      ingress('z-ns', 'gw', 'shop.example.test', [{ path: '/steal', svc: 'web', port: 80 }], 'z-tls'),
      ingress('z-ns', 'evil', 'x.test;\n}server{', [{ path: '/', svc: 'web', port: 80 }]),
      ingress('z-ns', 'evil2', 'ok.test', [{ path: '/ { return 200; } #', svc: 'web', port: 80 }, { path: '/a;b', svc: 'web', port: 80 }, { path: '/$host', svc: 'web', port: 80 }, { path: '/x', svc: 'web', port: 80 }, { path: '/x', svc: 'web', port: 80 }]),
    ],
    [],
    [],
  );
  assert.deepEqual(routes.map((r) => [r.host, r.tls?.namespace, r.paths.map((p) => p.path)]), [['ok.test', undefined, ['/x']], ['shop.example.test', 'a-ns', ['/']]]);
  // The owner is the oldest claim, whatever the names: a newer Ingress that sorts first takes nothing.
  const victim = ingress('z-victim', 'gw', 'shop.example.test', [{ path: '/', svc: 'web', port: 80 }], 'v-tls', '2026-11-30T09:00:00Z');
  const attacker = ingress('a-attacker', 'gw', 'shop.example.test', [{ path: '/', svc: 'web', port: 80 }], 'x-tls', '2026-11-30T11:00:00Z');
  assert.deepEqual(ingressRoutes([attacker, victim], [], []).map((r) => r.tls?.namespace), ['z-victim']);
});

test('nginx serves TLS only for hosts with a certificate, answers 503 for a path without endpoints, and redirects HTTP', () => {
  const routes = ingressRoutes([ingress('ns', 'gw', 'a.test', [{ path: '/', svc: 'web', port: 80 }, { path: '/x', svc: 'none', port: 80, exact: true }], 'tls'), ingress('ns', 'gw2', 'b.test', [{ path: '/', svc: 'web', port: 80 }])], [service('ns', 'web', 80)], [slice('ns', 'web', 4180, [['10.88.1.5', true]])]);
  const conf = nginxConfig(routes, { address: '127.88.1.1', dir: '/d', certOf: (h) => (h === 'a.test' ? { cert: '/d/certs/a.test.crt', key: '/d/certs/a.test.key' } : undefined) });
  assert.match(conf, /upstream u_0_1 \{\n {4}server 10\.88\.1\.5:4180;\n {2}\}/);
  assert.match(conf, /listen 127\.88\.1\.1:443 ssl;\n {4}server_name a\.test;\n {4}ssl_certificate \/d\/certs\/a\.test\.crt;/);
  assert.match(conf, /location = \/x \{ return 503/);
  assert.doesNotMatch(conf, /server_name b\.test/, 'no certificate, no server');
  assert.match(conf, /listen 127\.88\.1\.1:443 ssl default_server; ssl_reject_handshake on;/);
  assert.match(conf, /listen 127\.88\.1\.1:80 default_server; return 308 https:\/\/\$host\$request_uri;/);
});
