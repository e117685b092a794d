import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUS_ADMIN } from '@codex-k8s/contracts';
import { LOCAL_CLUSTER_ISSUER, startCertManager } from './cert-manager.js';
import { startKube, type KubeHandle } from './kube.js';
import { ensureKubeIdentities, SERVICE_KUBECONFIG_DIR } from './kube-identities.js';
import { startNats, type NatsHandle } from './nats.js';
import { seedFileOf } from './nats-identities.js';
import { resolveBinaries, stackDir, type Binaries, type Component } from './paths.js';
import { rootDataDirFor, startPostgres, stopPostgres, type PostgresHandle } from './postgres.js';
import { crashAndRestart, REAL_NODE_TAINT, startNode, stopNode, type NodeDaemon, type NodeHandle } from './node.js';
import { nodeNameOf } from './node-config.js';
import { isAlive, stopProcess } from './proc.js';

/** What a stack is made of and where to reach it; persisted as state.json in the stack dir. */
export interface StackState {
  readonly name: string;
  readonly dir: string;
  readonly startedAt: string;
  readonly startMs: number;
  readonly postgres?: PostgresHandle;
  readonly nats?: NatsHandle;
  readonly kube?: KubeHandle;
  /** The cert-manager controller started on our kube, with the bootstrap ClusterIssuer. */
  readonly certManager?: { readonly pid: number; readonly clusterIssuer: string };
  /** The real node (containerd + kubelet) beside the kwok nodes, when asked for with `node`. */
  readonly node?: NodeHandle;
  /**
   * Given from outside (DATABASE_URL, NATS_URL, KUBECONFIG): used, never started or stopped here. With NATS_URL,
   * its credentials come along: CODEXK8S_NATS_CREDS_DIR (per-identity seeds) or a single NATS_NKEY_SEED_FILE.
   */
  readonly external: { databaseUrl?: string; natsUrl?: string; kubeconfig?: string; natsCredsDir?: string; natsSeedFile?: string; serviceKubeconfigDir?: string };
}

export interface StackOptions {
  readonly name: string;
  /** Which servers to run; default all four. `node` is a real node beside the kwok nodes (root; docs/adr/0006). */
  readonly with?: readonly ('postgres' | 'nats' | 'kube' | 'node')[];
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

/** The connection settings services and tests need, as environment variables. */
export function stackEnv(s: StackState): Record<string, string> {
  const env: Record<string, string> = {};
  const db = s.external.databaseUrl ?? s.postgres?.url;
  const nats = s.external.natsUrl ?? s.nats?.url;
  const kube = s.external.kubeconfig ?? s.kube?.kubeconfig;
  if (db) env.DATABASE_URL = db;
  if (nats) env.NATS_URL = nats;
  if (kube) env.KUBECONFIG = kube;
  if (s.certManager && !s.external.kubeconfig) env.CODEXK8S_CLUSTER_ISSUER = s.certManager.clusterIssuer;
  Object.assign(env, natsCredentialsEnv(s));
  // Tests and tools use the admin KUBECONFIG; startServiceProcess gives each service its own from this directory.
  const identities = serviceIdentitiesOf(s);
  if (identities) env[SERVICE_KUBECONFIG_DIR] = identities;
  env.CODEXK8S_STACK_DIR = s.dir;
  if (s.node) {
    // Where real workloads run: tests and `npm run images` import images into this containerd.
    env.CODEXK8S_REAL_NODE = s.node.name;
    env.CODEXK8S_REAL_NODE_CONTAINERD = s.node.socket;
    env.CODEXK8S_REAL_NODE_ADDRESS = s.node.network.hostAddress;
    if (s.node.agentGatewayPorts) env.CODEXK8S_AGENT_GATEWAY_PORTS = `${s.node.agentGatewayPorts.first}-${s.node.agentGatewayPorts.last}`;
    if (s.node.proxy) env.CODEXK8S_SLOT_PROXY_ADDRESS = s.node.proxy.address;
  }
  return env;
}

/** Tools and tests connect as bus-admin; startServiceProcess gives each service its own seed from the directory. */
function natsCredentialsEnv(s: StackState): Record<string, string> {
  const creds = s.external.natsUrl ? s.external.natsCredsDir : s.nats?.credsDir;
  if (creds) return { CODEXK8S_NATS_CREDS_DIR: creds, NATS_NKEY_SEED_FILE: seedFileOf(creds, BUS_ADMIN) };
  return s.external.natsSeedFile ? { NATS_NKEY_SEED_FILE: s.external.natsSeedFile } : {};
}

/** What a stack runs unless told otherwise: the data servers, the control plane with kwok nodes, and a real node. */
export const DEFAULT_COMPONENTS = ['postgres', 'nats', 'kube', 'node'] as const;

/**
 * Starts the local stack (or reuses the running one with the same name). Existing servers given by
 * DATABASE_URL, NATS_URL or KUBECONFIG are honoured instead of starting our own.
 */
export async function startStack(opts: StackOptions): Promise<StackState> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((l: string) => console.error(l));
  const want = new Set(opts.with ?? DEFAULT_COMPONENTS);
  const dir = stackDir(opts.name);
  const running = readState(opts.name);
  if (running && reusable(running, want)) {
    // Fresh tokens for the services (they expire), and the deploy/ identities as the work tree has them now.
    if (running.kube) await ensureKubeIdentities(running.kube.kubeconfig, serviceKubeconfigDir(running.kube));
    return running;
  }
  if (running) await stopStack(opts.name);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const external = externalServers(env);
  const components = componentsToStart(want, external);
  const bins = resolveBinaries(components) as Binaries;
  const state: MutableState = { name: opts.name, dir, startedAt: new Date().toISOString(), startMs: 0, external };
  try {
    await startDataServers(state, { postgres: want.has('postgres') && !external.databaseUrl, nats: components.includes('nats') }, bins, log);
    if (components.includes('k8s')) await startControlPlane(state, bins, log, components.includes('node') ? nodeNameOf(opts.name) : undefined);
    if (components.includes('node') && state.kube) {
      state.node = await startNode({ stackName: opts.name, stateDir: state.dir, kubeconfig: state.kube.kubeconfig, bins, log });
      log(`real node  ${state.node.name} at ${state.node.network.hostAddress} (taint ${REAL_NODE_TAINT}), pods ${state.node.network.podSubnet}, containerd ${state.node.socket}`);
    }
    state.startMs = Date.now() - t0;
    writeState(state);
    return state;
  } catch (err) {
    writeState(state);
    await stopStack(opts.name);
    throw err;
  }
}

type MutableState = { -readonly [K in keyof StackState]: StackState[K] };

/** Servers given by DATABASE_URL, NATS_URL, KUBECONFIG: used as they are, never started or stopped here. */
function externalServers(env: NodeJS.ProcessEnv): StackState['external'] {
  return {
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.NATS_URL ? { natsUrl: env.NATS_URL } : {}),
    ...(env.NATS_URL && env.CODEXK8S_NATS_CREDS_DIR ? { natsCredsDir: env.CODEXK8S_NATS_CREDS_DIR } : {}),
    ...(env.NATS_URL && env.NATS_NKEY_SEED_FILE ? { natsSeedFile: env.NATS_NKEY_SEED_FILE } : {}),
    ...(env.KUBECONFIG ? { kubeconfig: env.KUBECONFIG } : {}),
    ...(env.KUBECONFIG && env[SERVICE_KUBECONFIG_DIR] ? { serviceKubeconfigDir: env[SERVICE_KUBECONFIG_DIR] } : {}),
  };
}

/** Where the services' kubeconfigs of our own control plane live. */
const serviceKubeconfigDir = (kube: KubeHandle): string => join(kube.dir, 'identities');

/** The services' kubeconfigs: our control plane's, or those that came with an external KUBECONFIG (if any). */
function serviceIdentitiesOf(s: StackState): string | undefined {
  return s.external.kubeconfig ? s.external.serviceKubeconfigDir : s.kube && serviceKubeconfigDir(s.kube);
}

function componentsToStart(want: ReadonlySet<string>, external: StackState['external']): Component[] {
  const components: Component[] = [];
  if (want.has('nats') && !external.natsUrl) components.push('nats');
  if (want.has('kube') && !external.kubeconfig) components.push('etcd', 'kwok', 'k8s', 'cert-manager');
  if (want.has('node') && components.includes('k8s')) components.push('node', 'coredns');
  return components;
}

/** Postgres and NATS, in parallel; whatever started is recorded even when the other failed (so it is stopped). */
async function startDataServers(state: MutableState, start: { postgres: boolean; nats: boolean }, bins: Binaries, log: (l: string) => void): Promise<void> {
  const [pgR, natsR] = await Promise.allSettled([
    start.postgres ? startPostgres({ stateDir: state.dir }) : undefined,
    start.nats ? startNats({ bin: bins.natsServer, stateDir: state.dir }) : undefined,
  ]);
  if (pgR.status === 'fulfilled' && pgR.value) state.postgres = pgR.value;
  if (natsR.status === 'fulfilled' && natsR.value) state.nats = natsR.value;
  writeState(state);
  if (pgR.status === 'rejected') throw pgR.reason;
  if (natsR.status === 'rejected') throw natsR.reason;
  if (state.postgres) log(`postgres   ${state.postgres.url.replace(/:[^:@/]*@/, ':***@')} (pid ${state.postgres.pid})`);
  if (state.nats) log(`nats       ${state.nats.url} (pid ${state.nats.pid})`);
}

/** The Kubernetes control plane with kwok nodes (and the real node's identities, when it runs one), then cert-manager with the bootstrap ClusterIssuer. */
async function startControlPlane(state: MutableState, bins: Binaries, log: (l: string) => void, realNode?: string): Promise<void> {
  const kube = await startKube({ bins, stateDir: state.dir, ...(realNode ? { realNode } : {}) });
  state.kube = kube;
  log(`kubernetes https://127.0.0.1:${kube.apiserverPort} kubeconfig ${kube.kubeconfig}`);
  writeState(state);
  // Services run as the ServiceAccounts of deploy/base, under its RBAC and admission policies, never as admin.
  log(`identities deploy/base RBAC and admission policies; service kubeconfigs in ${await ensureKubeIdentities(kube.kubeconfig, serviceKubeconfigDir(kube))}`);
  const pid = await startCertManager({ bin: bins.certManager, crdDir: bins.certManagerCrds, kubeconfig: kube.kubeconfig, logFile: join(state.dir, 'kube', 'cert-manager.log') });
  state.certManager = { pid, clusterIssuer: LOCAL_CLUSTER_ISSUER };
  log(`cert-manager controller (pid ${pid}), ClusterIssuer ${LOCAL_CLUSTER_ISSUER} ready`);
}

/** Stops every process of a stack (reverse start order) and forgets its state; data dirs are kept unless `purge`. */
export async function stopStack(name: string, opts: { purge?: boolean } = {}): Promise<void> {
  const s = readState(name);
  // The node first, while the apiserver still answers: on purge its pods are deleted (the kubelet tears them down);
  // otherwise they stay bound to it and start again with the stack, as after a node's reboot.
  if (s?.node) await stopNode(s.node, s.kube?.kubeconfig, { keepPods: !opts.purge });
  if (s?.certManager) await stopProcess(s.certManager.pid);
  if (s?.kube) {
    const p = s.kube.pids;
    await Promise.all([stopProcess(p.kwok), stopProcess(p.scheduler), stopProcess(p.controllerManager)]);
    await stopProcess(p.apiserver);
    await stopProcess(p.etcd);
  }
  if (s?.nats) await stopProcess(s.nats.pid);
  if (s?.postgres) await stopPostgres(s.postgres.pid);
  const dir = stackDir(name);
  if (existsSync(join(dir, 'state.json'))) rmSync(join(dir, 'state.json'));
  if (opts.purge) {
    rmSync(dir, { recursive: true, force: true });
    // Also when the stack was already stopped (no state): its Postgres data would keep the old password.
    rmSync(rootDataDirFor(dir), { recursive: true, force: true });
  }
}

/**
 * Crashes one daemon of a running stack's real node and starts it again (crashAndRestart), recording its new pid
 * so `down` stops the new process. For fault tests and for trying what a node crash does to a run.
 * @throws Error when the stack does not run a real node.
 */
export async function restartNodeDaemon(name: string, which: NodeDaemon, downMs = 2_000): Promise<void> {
  const s = readState(name);
  if (!s?.node) throw new Error(`stack "${name}" runs no real node`);
  const pid = await crashAndRestart(s.node, which, downMs);
  // Read again: only this field changes, whatever else was written meanwhile stays.
  const now = readState(name) ?? s;
  if (now.node) writeState({ ...now, node: { ...now.node, pids: { ...now.node.pids, [which]: pid } } });
}

/** Per-process liveness of a stack. */
export function stackStatus(s: StackState): Record<string, boolean> {
  const st: Record<string, boolean> = {};
  if (s.postgres) st.postgres = isAlive(s.postgres.pid);
  if (s.nats) st.nats = isAlive(s.nats.pid);
  if (s.kube) for (const [k, pid] of Object.entries(s.kube.pids)) st[k] = isAlive(pid);
  if (s.certManager) st.certManager = isAlive(s.certManager.pid);
  if (s.node) for (const [k, pid] of Object.entries(s.node.pids)) st[k] = isAlive(pid);
  if (s.node?.proxy) Object.assign(st, { nginx: isAlive(s.node.proxy.pids.nginx), ingressSync: isAlive(s.node.proxy.pids.sync) });
  return st;
}

/** A running stack is reused when it is healthy and runs what is asked for (one started before the real node existed does not). */
function reusable(s: StackState, want: ReadonlySet<string>): boolean {
  // A node without the TLS proxy or the gateway's firewall ports was started by an older version: started anew.
  return stackHealthy(s) && (!want.has('node') || Boolean(s.node?.proxy && s.node.agentGatewayPorts) || Boolean(s.external.kubeconfig));
}

function stackHealthy(s: StackState): boolean {
  return Object.values(stackStatus(s)).every(Boolean);
}

export function readState(name: string): StackState | undefined {
  const f = join(stackDir(name), 'state.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as StackState) : undefined;
}

function writeState(s: StackState): void {
  writeFileSync(join(s.dir, 'state.json'), JSON.stringify(s, null, 2), { mode: 0o600 });
}
