import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { ensureKubeletClientCert } from './kubelet-client.js';

test("the kubelet's client CA signs the apiserver's certificate and keeps no key to sign another", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelet-client-'));
  try {
    const f = ensureKubeletClientCert(dir);
    const ca = new X509Certificate(readFileSync(f.ca));
    const client = new X509Certificate(readFileSync(f.cert));
    assert.ok(client.verify(ca.publicKey), 'signed by the CA');
    assert.equal(client.subject, 'CN=kube-apiserver-kubelet-client');
    assert.notEqual(client.subject, ca.subject);
    assert.match(execFileSync('openssl', ['verify', '-CAfile', f.ca, f.cert], { encoding: 'utf8' }), /: OK/);
    assert.equal(statSync(f.key).mode & 0o777, 0o600, 'the key is root\'s alone');
    assert.deepEqual(readdirSync(dir).sort(), ['kubelet-client-ca.crt', 'kubelet-client.crt', 'kubelet-client.key'], 'the CA key is gone');
    // A restart keeps the same identity.
    assert.equal(readFileSync(ensureKubeletClientCert(dir).cert, 'utf8'), readFileSync(f.cert, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
