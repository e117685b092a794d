import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '@codex-k8s/stack';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work here). The local CA is
// trusted the way a person's browser trusts it, through an NSS database in the browser's home; hosts are mapped to
// the stack's TLS proxy with --host-resolver-rules. No certificate check is switched off.

export const CHROMIUM = '/usr/bin/chromium';

/** Where tests leave what a person looks at afterwards (screenshots), outside the work tree. */
export function artifactDir(): string {
  const dir = join(cacheDir(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Chromium with its own home whose NSS database trusts `caPem`, resolving each mapped host to the given address. */
export async function launchBrowser(o: { caPem: string; hosts: Record<string, string> }): Promise<{ browser: Browser; close: () => Promise<void> }> {
  if (spawnSync(CHROMIUM, ['--version']).status !== 0) throw new Error(`${CHROMIUM} is missing: apt-get install chromium libnss3-tools (npm test installs them)`);
  const home = mkdtempSync(join(tmpdir(), 'codex-k8s-chromium-'));
  const nss = join(home, '.pki', 'nssdb');
  mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  writeFileSync(join(home, 'ca.pem'), o.caPem);
  execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-t', 'C,,', '-n', 'codex-k8s local CA', '-i', join(home, 'ca.pem')]);
  const rules = Object.entries(o.hosts).map(([h, a]) => `MAP ${h} ${a}`).join(', ');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, HOME: home },
    // Root in this VM: Chromium's own sandbox needs user namespaces it does not get here.
    args: [`--host-resolver-rules=${rules}`, '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
