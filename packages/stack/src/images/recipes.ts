import { copyFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSE_IMAGE } from '../node-config.js';
import { REPO_ROOT } from '../paths.js';
import { addBinaryWithLibraries, addDebianPackage, addUsers, linkBusyboxApplets } from './rootfs.js';

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
  readonly cmd: readonly string[];
  readonly fill: (root: string) => void;
}

/** Image assets live in deploy/images/<image>/, beside the Dockerfiles of deploy/docker. */
const asset = (f: string): string => join(REPO_ROOT, 'deploy', 'images', f);

/**
 * The agent image: a shell and the usual tools (busybox), an init that forwards signals and reaps (catatonit), Node
 * for agents written in JavaScript, and the probe that stands in for an agent. Jobs run `sh -c <command>` in it.
 */
const agentRunner: ImageRecipe = {
  name: 'agent-runner',
  ref: 'codex.local/agent-runner:local',
  revision: 1,
  debs: ['busybox-static', 'catatonit'],
  binaries: ['/usr/bin/node'],
  files: { [asset('agent-runner/codex-agent-probe')]: '/usr/local/bin/codex-agent-probe' },
  cmd: ['/usr/bin/catatonit', '--', '/usr/local/bin/codex-agent-probe'],
  fill(root) {
    for (const d of agentRunner.debs) addDebianPackage(root, d);
    linkBusyboxApplets(root);
    for (const b of agentRunner.binaries) addBinaryWithLibraries(root, b);
    for (const [from, to] of Object.entries(agentRunner.files)) {
      mkdirSync(join(root, to, '..'), { recursive: true });
      copyFileSync(from, join(root, to));
      chmodSync(join(root, to), 0o755);
    }
    addUsers(root, { name: 'agent', uid: IMAGE_UID, home: '/home/agent' });
  },
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
  fill(root) {
    addDebianPackage(root, 'catatonit');
  },
};

export const RECIPES: readonly ImageRecipe[] = [PAUSE_RECIPE, agentRunner];
