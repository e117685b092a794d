import { randomBytes } from 'node:crypto';

/** A stack variable the test runner exports; fails loudly when a test is run without `npm test`. */
export function requireEnv(name: 'DATABASE_URL' | 'NATS_URL' | 'KUBECONFIG' | 'CODEXK8S_SERVICE_KUBECONFIG_DIR'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests with \`npm test\` (it starts the local stack)`);
  return v;
}

/** A short random suffix for names that must not collide between parallel test files. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** Bus names of one test: its own stream and subject root on the shared nats-server. */
export function uniqueBus(): { BUS_STREAM: string; BUS_SUBJECT_ROOT: string } {
  const s = uniqueSuffix();
  return { BUS_STREAM: `T_${s.toUpperCase()}`, BUS_SUBJECT_ROOT: `t${s}` };
}
