import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PATH_ENV } from '../oci.js';
import { REPO_ROOT } from '../paths.js';
import type { ImageRecipe } from './recipes.js';

// The platform's own services as one image, laid out as deploy/docker/Dockerfile lays them out (so either build runs
// in the same manifests): /app/package.json, /app/packages/<pkg>/{package.json,dist}, /app/services/<svc>/{...},
// /app/node_modules with the production dependencies and @codex-k8s/* linked to the workspace packages; `SERVICE`
// picks the service; uid 1000. Built from this work tree's dist/ (npx tsc -b) and node_modules, without npm or Docker.

/** Workspaces that run in the platform, not in the developer's tools (the local stack is not shipped). */
const TOOL_PACKAGES = new Set(['stack']);

interface Workspace {
  readonly dir: string;
  readonly name: string;
  readonly dependencies: readonly string[];
}

function workspaces(): Workspace[] {
  return ['packages', 'services'].flatMap((top) =>
    readdirSync(join(REPO_ROOT, top))
      .filter((d) => !(top === 'packages' && TOOL_PACKAGES.has(d)))
      .map((d) => {
        const pkg = JSON.parse(readFileSync(join(REPO_ROOT, top, d, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
        return { dir: `${top}/${d}`, name: pkg.name, dependencies: Object.keys(pkg.dependencies ?? {}) };
      }),
  );
}

const WORKSPACES = workspaces();
const OWN = new Set(WORKSPACES.map((w) => w.name));

/** The platform image: every service, their workspace packages and production dependencies, Node, git for the deployer. */
export const PLATFORM_RECIPE: ImageRecipe = {
  name: 'platform',
  ref: 'codex.local/codex-k8s/platform:local',
  revision: 1,
  // A shell for the Dockerfile's command, an init that forwards signals, git (the deployer fetches repositories).
  debs: ['busybox-static', 'catatonit', 'git'],
  // The host's git is the Debian package's: its libraries (and the https helper's) come from here.
  binaries: ['/usr/bin/node', '/usr/bin/git', '/usr/lib/git-core/git-remote-http'],
  files: {
    [join(REPO_ROOT, 'package.json')]: '/app/package.json',
    '/etc/ssl/certs/ca-certificates.crt': '/etc/ssl/certs/ca-certificates.crt',
    ...Object.fromEntries(WORKSPACES.map((w) => [join(REPO_ROOT, w.dir, 'package.json'), `/app/${w.dir}/package.json`])),
  },
  nodePackages: [...new Set(WORKSPACES.flatMap((w) => w.dependencies).filter((d) => !OWN.has(d)))].sort(),
  hashedTrees: Object.fromEntries(WORKSPACES.map((w) => [join(REPO_ROOT, w.dir, 'dist'), `/app/${w.dir}/dist`])),
  entrypoint: ['/usr/bin/catatonit', '--'],
  cmd: ['sh', '-c', 'exec node services/${SERVICE}/dist/main.js'],
  env: [PATH_ENV, 'NODE_ENV=production', 'HOME=/tmp'],
  workingDir: '/app',
  user: '1000:1000',
  extra(root) {
    // npm's workspace links: node_modules/@codex-k8s/<name> -> the package's directory.
    for (const w of WORKSPACES.filter((x) => x.dir.startsWith('packages/'))) {
      mkdirSync(join(root, 'app', 'node_modules', w.name, '..'), { recursive: true });
      symlinkSync(join('..', '..', w.dir), join(root, 'app', 'node_modules', w.name));
    }
  },
};
