import type { Environment } from './schema.js';

/**
 * The effective settings of an environment: its `from` chain resolved, a child's non-empty templates and pull
 * policy overriding the parent's (reference 1.2). Pure.
 * @throws Error naming the unknown environment or the cycle.
 */
export function resolveEnvironment(envs: Readonly<Record<string, Environment>>, name: string): Environment {
  const seen: string[] = [];
  const walk = (n: string): Environment => {
    if (seen.includes(n)) throw new Error(`environment inheritance cycle detected at ${n}: ${[...seen, n].join(' -> ')}`);
    seen.push(n);
    const env = envs[n];
    if (!env) throw new Error(seen.length === 1 ? `unknown environment "${n}" (defined: ${Object.keys(envs).sort().join(', ')})` : `environment "${seen[seen.length - 2] ?? ''}" inherits from unknown environment "${n}"`);
    const parent = env.from ? walk(env.from) : {};
    return {
      ...parent,
      ...Object.fromEntries(Object.entries(env).filter(([k, v]) => k !== 'from' && v !== undefined && v !== '')),
    };
  };
  return walk(name);
}

/** A `when` guard (reference 1.5): empty = included; otherwise a strict boolean. Pure. */
export function parseWhen(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return true;
  if (['true', '1', 't'].includes(v)) return true;
  if (['false', '0', 'f'].includes(v)) return false;
  throw new Error(`"when" must render to a boolean (true/false/1/0/t/f), got "${value ?? ''}"`);
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** A slot host must be a bare DNS name: no scheme, path, port or wildcard. Pure. */
export function checkHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (!DNS_NAME.test(h)) throw new Error(`"${host}" is not a bare DNS name (no scheme, path, port or wildcard; at least two labels)`);
  return h;
}
