import { execFileSync, spawnSync } from 'node:child_process';

/** The version of a Debian package apt would fetch now (its candidate), or undefined when apt knows none. */
export function candidateVersion(pkg: string): string | undefined {
  const v = execFileSync('apt-cache', ['policy', pkg], { encoding: 'utf8' }).match(/Candidate:\s*(\S+)/)?.[1];
  return v && v !== '(none)' ? v : undefined;
}

/** Whether a Debian package is installed (dpkg's status). */
export function isInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

/**
 * Installs the Debian packages that are missing (apt-get, no recommends: each package the stack needs is named).
 * @throws Error naming the missing packages and the command to run when they cannot be installed here (not root,
 * no apt, or apt failed).
 */
export function ensureDebianPackages(packages: readonly string[], log: (line: string) => void): void {
  const missing = packages.filter((p) => !isInstalled(p));
  if (missing.length === 0) return;
  const how = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`the stack needs the Debian packages ${missing.join(', ')}; install them as root: ${how}`);
  log(`installing Debian packages ${missing.join(', ')}`);
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-3).join(' ');
    throw new Error(`could not install ${missing.join(', ')} (${stderr || (err as Error).message}); run: apt-get update && ${how}`);
  }
  const still = missing.filter((p) => !isInstalled(p));
  if (still.length > 0) throw new Error(`apt-get did not install ${still.join(', ')}; run: apt-get update && ${how}`);
}
