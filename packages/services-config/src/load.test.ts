import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadServicesYaml } from './load.js';
import { planDeploy } from './plan.js';
import { memorySource } from './source.js';
import { ServicesConfigError } from './errors.js';

const SHOP = `apiVersion: codex-k8s.dev/v1alpha1
kind: ServiceStack
metadata: { name: shop }
spec:
  project: shop
  versions:
    api: { value: "1.4.0" }
    postgres: { value: "16" }
  imports: [ { path: "deploy/shared/*.services.yaml" } ]
  components:
    - name: app-defaults
      serviceDefaults: { codeUpdateStrategy: '{{ ternary (eq Env "ai") "hot-reload" "rebuild" }}', deployGroup: internal }
  environments:
    production: { namespaceTemplate: "{{ Project }}-prod", domainTemplate: "shop.example.com" }
    ai:
      from: production
      namespaceTemplate: "{{ Project }}-dev-{{ Slot }}"
      domainTemplate: "{{ Project }}-{{ Slot }}.ai.example.com"
  images:
    api: { type: build, repository: '{{ envOr "REGISTRY_HOST" "127.0.0.1:5000" }}/shop/api', tagTemplate: '{{ Versions.api }}' }
    postgres: { type: external, from: 'postgres:{{ Versions.postgres }}' }
  orchestration: { deployOrder: [stateful, migrations, internal, edge, frontend] }
  infrastructure:
    - { name: postgres, manifests: [ { path: deploy/postgres.yaml } ] }
    - { name: redis, when: '{{ ne Env "ai" }}', manifests: [ { path: deploy/redis.yaml } ] }
    - { name: cache-warmer, dependsOn: [postgres], manifests: [ { path: deploy/warmer.yaml } ] }
  services:
    - { name: migrate, deployGroup: migrations, dependsOn: [postgres], manifests: [ { path: deploy/migrate-job.yaml } ] }
    - { name: api, use: [app-defaults], dependsOn: [postgres], manifests: [ { path: deploy/api.yaml } ] }
    - { name: gateway, deployGroup: edge, dependsOn: [api], manifests: [ { path: deploy/ingress.yaml } ] }
    - { name: web, deployGroup: frontend, dependsOn: [gateway], manifests: [ { path: deploy/web.yaml } ] }
`;
const FRAGMENT = `spec:
  versions:
    api: { value: "1.3.0" }
  services:
    - { name: from-import, manifests: [] }
`;
const files = (extra: Record<string, string> = {}) => memorySource({ 'services.yaml': SHOP, 'deploy/shared/a.services.yaml': FRAGMENT, ...extra });
const load = (src = files(), env = 'ai', slot = 2, more: object = {}) => loadServicesYaml(src, { file: 'services.yaml', env, slot, ...more });
const failsWith = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ServicesConfigError, String(e));
    assert.match(e.message, re);
    return true;
  });
};

test('the sample resolves for slot 2 of env ai: namespace, host, versions, images, guards, components', async () => {
  const s = await load();
  assert.equal(s.namespace, 'shop-dev-2');
  assert.equal(s.host, 'shop-2.ai.example.com');
  assert.equal(s.versions.api, '1.4.0', 'the importing file wins over the import');
  assert.equal(s.imageVars.CODEXK8S_API_IMAGE, '127.0.0.1:5000/shop/api:1.4.0');
  assert.equal(s.imageVars.CODEXK8S_POSTGRES_IMAGE, 'postgres:16');
  assert.deepEqual(s.infrastructure.map((i) => i.name), ['postgres', 'cache-warmer'], 'redis is off in ai');
  const api = s.services.find((x) => x.name === 'api');
  assert.equal(api?.codeUpdateStrategy, 'hot-reload');
  assert.equal(api?.deployGroup, 'internal', 'filled from the component');
  assert.ok(!s.services.some((x) => x.name === 'from-import'), 'lists are replaced by the overlay: the file own services list wins');
});

test('environments inherit, and the production env renders its own names', async () => {
  const s = await load(files(), 'production', 0);
  assert.equal(s.namespace, 'shop-prod');
  assert.equal(s.host, 'shop.example.com');
  assert.deepEqual(s.infrastructure.map((i) => i.name), ['postgres', 'redis', 'cache-warmer']);
  const noDomain = SHOP.replace('      domainTemplate: "{{ Project }}-{{ Slot }}.ai.example.com"\n', '').replace(', domainTemplate: "shop.example.com"', '');
  const s2 = await load(files({ 'services.yaml': noDomain }), 'ai', 1, { aiDomain: 'slots.example.test' });
  assert.equal(s2.host, 'shop-dev-1.slots.example.test');
});

test('the deploy plan: infrastructure by dependsOn, then stateful -> migrations -> internal -> edge -> frontend', async () => {
  const plan = planDeploy(await load());
  assert.deepEqual(plan.map((u) => `${u.group}/${u.name}`), [
    'infrastructure/postgres',
    'infrastructure/cache-warmer',
    'migrations/migrate',
    'internal/api',
    'edge/gateway',
    'frontend/web',
  ]);
});

test('broken files fail with the file, the path and the rule', async () => {
  const bad = (from: string, to: string) => files({ 'services.yaml': SHOP.replace(from, to) });
  await failsWith(load(bad("name: redis, when: '{{ ne Env \"ai\" }}'", "name: redis, when: 'maybe'")), /services\.yaml at spec\.infrastructure\[1\]\.when: redis: "when" must render to a boolean/);
  await failsWith(load(files(), 'staging'), /at spec\.environments\.staging: unknown environment "staging"/);
  await failsWith(load(bad('    production: { namespaceTemplate', '    production: { from: ai, namespaceTemplate')), /environment inheritance cycle detected at ai: ai -> production -> ai/);
  await failsWith(load(bad('deployGroup: edge, dependsOn: [api]', 'deployGroup: edge, dependsOn: [api], codeUpdateStrategy: fast')), /at spec\.services\[2\]\.codeUpdateStrategy: /);
  await failsWith(load(bad('"{{ Project }}-{{ Slot }}.ai.example.com"', '"https://{{ Project }}.example.com/x"')), /domainTemplate: "https:\/\/shop.example.com\/x" is not a bare DNS name/);
  await failsWith(load(bad('name: web,', 'name: api,')), /duplicate name "api"/);
  await failsWith(load(bad('use: [app-defaults]', 'use: [nope]')), /service "api" uses unknown component "nope"/);
  await failsWith(load(bad("'{{ Versions.api }}'", "'{{ Versions.missing }}'")), /at spec\.images\.api\.tagTemplate: template: line 1: a value is missing/);
});

test('import cycles and imports that match nothing are errors', async () => {
  const cyc = memorySource({
    'services.yaml': SHOP.replace('deploy/shared/*.services.yaml', 'deploy/a.yaml'),
    'deploy/a.yaml': 'spec: { imports: [ "b.yaml" ] }',
    'deploy/b.yaml': 'spec: { imports: [ "../services.yaml" ] }',
  });
  await failsWith(load(cyc), /import cycle: services\.yaml -> deploy\/a\.yaml -> deploy\/b\.yaml -> services\.yaml/);
  await failsWith(load(memorySource({ 'services.yaml': SHOP })), /import "deploy\/shared\/\*\.services\.yaml" matches no file/);
  await failsWith(load(files({ 'services.yaml': SHOP.replace('deploy/shared/*.services.yaml', '../../etc/passwd') })), /leaves the repository/);
});

test('infrastructure-singleton services deploy only into the platform namespace in production', async () => {
  const withSingleton = SHOP.replace("    - { name: web,", "    - { name: oauth2-proxy, scope: infrastructure-singleton, deployGroup: edge, manifests: [] }\n    - { name: web,");
  const src = files({ 'services.yaml': withSingleton });
  assert.ok(!(await load(src)).services.some((x) => x.name === 'oauth2-proxy'), 'not in a slot');
  assert.ok(!(await load(src, 'production', 0)).services.some((x) => x.name === 'oauth2-proxy'), 'not outside the platform namespace');
  assert.ok((await load(src, 'production', 0, { platformNamespace: 'shop-prod' })).services.some((x) => x.name === 'oauth2-proxy'));
});

test('a read refused by the source keeps its message; any other read failure is "file not found"', async () => {
  const refusing = { ...files(), read: async (p: string) => Promise.reject(new ServicesConfigError(p, '', 'symlink "x" leads outside the repository; refusing to follow it')) };
  await failsWith(load(refusing), /^services\.yaml: symlink "x" leads outside the repository; refusing to follow it$/);
  const failing = { ...files(), read: async () => Promise.reject(new Error('EACCES: /abs/path/services.yaml')) };
  await failsWith(load(failing), /^services\.yaml: file not found$/);
});
