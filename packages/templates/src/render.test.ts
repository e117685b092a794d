import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { renderYamlTemplate, TemplateError } from './render.js';
import { yamlScalar } from './scalar.js';

const HOSTILE = [
  'x\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: pwn',
  'x\nevil: true',
  'x # comment',
  'a: b',
  '{{ Env }}',
  "x' , evil: 'y",
  'x", evil: "y',
  '- item',
  '[a, b]',
  '{a: b}',
  '*alias',
  '&anchor x',
  '!!binary AAAA',
  '| literal',
  'x\r\ny: z',
  '\\"',
  ' leading space',
  'trailing:',
  '\u2028line separator',
];

// Where a template can put a value: plain, flow mapping, block sequence, single- and double-quoted scalars.
const CONTEXTS = [
  { name: 'plain', tpl: 'k: {{ Vars.V }}\nother: 1\n', exact: true },
  { name: 'flow', tpl: '{ k: {{ Vars.V }}, other: 1 }\n', exact: true },
  { name: 'sequence', tpl: 'k:\n  - {{ Vars.V }}\nother: 1\n', exact: true },
  { name: 'single-quoted', tpl: "k: '{{ Vars.V }}'\nother: 1\n", exact: false },
  { name: 'double-quoted', tpl: 'k: "{{ Vars.V }}"\nother: 1\n', exact: false },
];

test('hostile values never add a document, a key or a comment, in any YAML context', () => {
  for (const value of HOSTILE) {
    for (const c of CONTEXTS) {
      const out = renderYamlTemplate(c.tpl, { Vars: { V: value } }, { source: c.name });
      const docs = parseAllDocuments(out);
      const label = `${c.name} ${JSON.stringify(value)} -> ${JSON.stringify(out)}`;
      assert.equal(Array.isArray(docs) ? docs.length : 0, 1, `one document: ${label}`);
      const doc = (docs as ReturnType<typeof parseAllDocuments> & unknown[])[0];
      if (!doc || doc.errors.length > 0) continue; // refused as invalid YAML: acceptable, nothing is applied
      const obj = doc.toJS() as Record<string, unknown>;
      assert.deepEqual(Object.keys(obj).sort(), ['k', 'other'], `no injected key: ${label}`);
      assert.equal(obj.other, 1, label);
      if (c.exact) {
        const got = c.name === 'sequence' ? (obj.k as unknown[])[0] : obj.k;
        assert.equal(got, value, `the value is kept exactly: ${label}`);
      }
    }
  }
});

test('safe values stay plain so numbers, booleans and image references work', () => {
  assert.equal(yamlScalar('registry.local:5000/shop/api:1.4.0'), 'registry.local:5000/shop/api:1.4.0');
  assert.equal(yamlScalar(3), '3');
  assert.equal(yamlScalar(true), 'true');
  assert.equal(yamlScalar('https://shop-2.ai.example.com'), 'https://shop-2.ai.example.com');
  assert.equal(yamlScalar('a b'), '"a b"');
  assert.equal(yamlScalar("it's"), '"it\\u0027s"');
  const out = renderYamlTemplate('image: {{ Vars.REG }}/api:{{ Versions.api }}\nreplicas: {{ Vars.N }}\n', { Vars: { REG: 'reg.local:5000', N: 2 }, Versions: { api: '1.4.0' } }, { source: 't' });
  assert.deepEqual(parseAllDocuments(out)[0]?.toJS(), { image: 'reg.local:5000/api:1.4.0', replicas: 2 });
});

test('the template helpers of the original codex-k8s', () => {
  const ctx = { Project: 'shop', Env: 'ai', Slot: 2, Vars: { HOST: 'h.example.com', EMPTY: '' } };
  const r = (t: string, env?: Record<string, string>): string => renderYamlTemplate(t, ctx, { source: 't', ...(env ? { env } : {}) });
  assert.equal(r('{{ default Vars.EMPTY "fb" }}'), 'fb');
  assert.equal(r('{{ default Vars.HOST "fb" }}'), 'h.example.com');
  assert.equal(r('{{ envOr "HOST" "fb" }}'), 'h.example.com');
  assert.equal(r('{{ envOr "OTHER" "fb" }}', { OTHER: 'from-env' }), 'from-env');
  assert.equal(r('{{ envOr "NOPE" "fb" }}'), 'fb');
  assert.equal(r('{{ ternary (eq Env "ai") "slot" "prod" }}'), 'slot');
  assert.equal(r('{{ ternary (ne Env "ai") "slot" "prod" }}'), 'prod');
  assert.equal(r('{{ trimPrefix "shop-" "shop-api" }}'), 'api');
  assert.equal(r('{{ toLower "SHOP" }}'), 'shop');
  assert.equal(r('{{ Project }}-dev-{{ Slot }}'), 'shop-dev-2');
});

test('template mistakes are errors naming the source', () => {
  assert.throws(() => renderYamlTemplate('a: {{ Missing }}', {}, { source: 'deploy/x.yaml' }), (e: unknown) => e instanceof TemplateError && /deploy\/x.yaml/.test(e.message));
  assert.throws(() => renderYamlTemplate('a: {{{ Vars.V }}}', { Vars: { V: 1 } }, { source: 'f' }), /raw output/);
  assert.throws(() => renderYamlTemplate('a: {{& Vars.V }}', { Vars: { V: 1 } }, { source: 'f' }), /raw output/);
  assert.throws(() => renderYamlTemplate('a: {{> part }}', {}, { source: 'f' }), /partials/);
  assert.throws(() => renderYamlTemplate('a: {{#if }}', {}, { source: 'f' }), TemplateError);
});
