import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AGENT_GATEWAY_PORTS, corefile, emptyIptablesTables, freeSubnetOctet, kubeletChains, kubeletConfig, nodeNetwork, podFirewall, POD_EGRESS } from './node-config.js';
import { writeOciArchive } from './oci.js';

test('each stack node takes the first /24 of 10.88.0.0/16 that no interface uses', () => {
  assert.equal(freeSubnetOctet(['127.0.0.1/8', '192.0.2.2/24']), 1);
  assert.equal(freeSubnetOctet(['10.88.1.1/24', '10.88.2.1/24', '10.88.4.1/24']), 3);
  assert.throws(() => freeSubnetOctet(Array.from({ length: 254 }, (_, i) => `10.88.${i + 1}.1/24`)), /no free \/24/);
});

test("the kubelet's chains and the rules jumping to them are found per table; other chains are left alone", () => {
  const saved = ['*filter', ':INPUT ACCEPT [0:0]', ':KUBE-FIREWALL - [0:0]', ':CNI-FORWARD - [0:0]', '-A INPUT -j KUBE-FIREWALL', '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -j DROP', '-A FORWARD -j CNI-FORWARD', 'COMMIT', '*mangle', ':KUBE-KUBELET-CANARY - [0:0]', 'COMMIT'].join('\n');
  const { chains, jumps } = kubeletChains(saved);
  assert.deepEqual(chains, [['filter', 'KUBE-FIREWALL'], ['mangle', 'KUBE-KUBELET-CANARY']]);
  assert.deepEqual(jumps, [['filter', 'INPUT -j KUBE-FIREWALL']]);
});

test('an OCI archive holds one reproducible layer and names the image for containerd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oci-test-'));
  mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'rootfs', 'bin', 'hello'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  const a = writeOciArchive({ rootfs: join(dir, 'rootfs'), ref: 'codex.local/hello:1', cmd: ['/bin/hello'] }, join(dir, 'a.tar'));
  const b = writeOciArchive({ rootfs: join(dir, 'rootfs'), ref: 'codex.local/hello:1', cmd: ['/bin/hello'] }, join(dir, 'b.tar'));
  assert.equal(a, b, 'the same rootfs gives the same manifest digest');
  mkdirSync(join(dir, 'x'));
  execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', join(dir, 'x')]);
  const index = JSON.parse(readFileSync(join(dir, 'x', 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
  assert.equal(index.manifests[0]?.digest, a);
  assert.equal(index.manifests[0]?.annotations['io.containerd.image.name'], 'codex.local/hello:1');
  const blob = (d: string): Buffer => readFileSync(join(dir, 'x', 'blobs', 'sha256', d.slice('sha256:'.length)));
  const manifest = JSON.parse(blob(a).toString()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [a, manifest.config.digest, manifest.layers[0]?.digest ?? '']) assert.equal(`sha256:${createHash('sha256').update(blob(d)).digest('hex')}`, d, `${d} matches its content`);
  const config = JSON.parse(blob(manifest.config.digest).toString()) as { config: { Cmd: string[] }; rootfs: { diff_ids: string[] } };
  assert.deepEqual(config.config.Cmd, ['/bin/hello']);
  assert.equal(config.rootfs.diff_ids[0], manifest.layers[0]?.digest, 'uncompressed layer: diff id = digest');
  assert.match(execFileSync('tar', ['-tvf', join(dir, 'x', 'blobs', 'sha256', (manifest.layers[0]?.digest ?? '').slice(7))], { encoding: 'utf8' }), /-rwxr-xr-x 0\/0 .* 1970-01-01 00:00 \.\/bin\/hello/);
});

test("a node's addresses stay inside its /24: pods in the lower half, the link to the host at the top", () => {
  const net = nodeNetwork(7);
  assert.deepEqual(net, { octet: 7, podSubnet: '10.88.7.0/25', podGateway: '10.88.7.1', hostAddress: '10.88.7.253', hostLink: 'ck8s7', nodeAddress: '10.88.7.254', linkPrefix: 30 });
  // An interface name must fit the kernel's 15 characters for every octet.
  assert.ok(nodeNetwork(254).hostLink.length <= 15);
});

test('pods may open connections to the listed host ports only; new connections to anything else beyond the bridge are dropped', () => {
  const rules = podFirewall(nodeNetwork(3), [{ port: 53, protocols: ['udp', 'tcp'] }]);
  const lines = rules.split('\n').map((l) => l.trim());
  const accept = lines.findIndex((l) => l.includes('th dport 53 accept'));
  const drop = lines.findIndex((l) => l === 'iifname "cni0" oifname "uplink" ct state new drop');
  assert.ok(accept >= 0 && drop > accept, rules);
  assert.ok(lines.includes('iifname "cni0" ct state new drop'), 'nothing inside the namespace is open to pods');
  assert.doesNotMatch(rules, /saddr/, 'never by source address, which a pod can forge');
  assert.match(rules, /ip daddr 10\.88\.3\.253 meta l4proto \{ udp, tcp \}/);
  assert.doesNotMatch(podFirewall(nodeNetwork(3), []), / accept$/m);
  const stack = podFirewall(nodeNetwork(3), POD_EGRESS);
  assert.match(stack, new RegExp(`ip daddr 10\\.88\\.3\\.253 meta l4proto \\{ tcp \\} th dport ${AGENT_GATEWAY_PORTS.first}-${AGENT_GATEWAY_PORTS.last} accept`), 'the agent gateway range, TCP only');
  assert.equal(stack.match(/ accept$/gm)?.length, 2, 'DNS and the gateway, nothing else');
});

test('cluster DNS answers only the cluster zones, on the host end of the link, and forwards nothing off the machine', () => {
  const conf = corefile(nodeNetwork(2), '/k/admin.kubeconfig', 'ctx');
  assert.match(conf, /bind 10\.88\.2\.253/);
  assert.match(conf, /kubeconfig \/k\/admin\.kubeconfig ctx/);
  assert.doesNotMatch(conf, /forward/);
});

test('only iptables tables without rules and with accepting chains count as empty leftovers', () => {
  const chain = (family: string, table: string, policy?: string) => ({ chain: { family, table, name: 'X', ...(policy ? { policy } : {}) } });
  const ruleset = JSON.stringify({
    nftables: [
      { metainfo: {} },
      { table: { family: 'ip', name: 'filter' } }, chain('ip', 'filter', 'accept'),
      { table: { family: 'ip', name: 'nat' } }, chain('ip', 'nat', 'accept'), { rule: { family: 'ip', table: 'nat' } },
      { table: { family: 'ip6', name: 'filter' } }, chain('ip6', 'filter', 'drop'),
      { table: { family: 'inet', name: 'firewalld' } },
      { table: { family: 'ip', name: 'mangle' } },
    ],
  });
  assert.deepEqual(emptyIptablesTables(ruleset), [['ip', 'filter'], ['ip', 'mangle']]);
});

test("the kubelet answers no anonymous caller: only clients of the stack's kubelet client CA (the apiserver)", () => {
  const c = JSON.parse(kubeletConfig({ dir: '/d', socket: '/d/c.sock', cgroupRoot: '/codex-x', net: nodeNetwork(7), port: 10250, healthzPort: 10248, clientCaFile: '/k/ca.crt' })) as { authentication: unknown; address: string; readOnlyPort: number };
  assert.deepEqual(c.authentication, { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: '/k/ca.crt' } });
  assert.equal(c.address, nodeNetwork(7).hostAddress, 'the host end of the stack link, never the machine interface');
  assert.equal(c.readOnlyPort, 0);
});
