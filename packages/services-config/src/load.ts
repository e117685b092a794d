import { renderTextTemplate, TemplateError } from '@codex-k8s/templates';
import type { z } from 'zod';
import { checkHost, parseWhen, resolveEnvironment } from './environment.js';
import { ServicesConfigError } from './errors.js';
import { loadWithImports } from './merge.js';
import { ServicesYaml, type Environment, type InfrastructureItem, type ServiceItem } from './schema.js';
import type { ConfigSource } from './source.js';

/** What a deploy needs from services.yaml for one environment and slot, all templates rendered. */
export interface ResolvedStack {
  readonly file: string;
  readonly project: string;
  readonly env: string;
  readonly slot: number;
  readonly namespace: string;
  /** The slot host (domainTemplate, else `<namespace>.<aiDomain>`), or null when neither gives one. */
  readonly host: string | null;
  readonly versions: Readonly<Record<string, string>>;
  /** `CODEXK8S_<NAME>_IMAGE` -> image reference, for manifest templates. */
  readonly imageVars: Readonly<Record<string, string>>;
  readonly deployOrder: readonly string[];
  /** Enabled units (`when` true), components applied. */
  readonly infrastructure: readonly InfrastructureItem[];
  readonly services: readonly (ServiceItem & { dependsOn: string[] })[];
  readonly document: ServicesYaml;
}

export interface LoadOptions {
  readonly file: string;
  readonly env: string;
  readonly slot: number;
  /** Template variables (`Vars`), e.g. the platform's CODEXK8S_* settings. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Base domain for slot hosts when the environment has no domainTemplate (CODEXK8S_AI_DOMAIN). */
  readonly aiDomain?: string;
  /** A namespace decided by the caller; otherwise the environment's namespaceTemplate. */
  readonly namespace?: string;
  /** The platform's namespace: `scope: infrastructure-singleton` services deploy only into it, in production. */
  readonly platformNamespace?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Renders every string value that holds a template, in place of itself (a value can only become a string). */
function renderStrings(value: unknown, ctx: Obj, file: string, at: string): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    try {
      return renderTextTemplate(value, ctx, { source: file, env: (ctx.Vars as Record<string, string>) ?? {} });
    } catch (err) {
      throw new ServicesConfigError(file, at, err instanceof TemplateError ? err.message.replace(`${file}: `, 'template: ') : String(err));
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => renderStrings(v, ctx, file, `${at}[${i}]`));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderStrings(v, ctx, file, at ? `${at}.${k}` : k)]));
  return value;
}

const imageVar = (name: string): string => `CODEXK8S_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '')}_IMAGE`;

function fail(file: string, at: string, err: unknown): never {
  throw new ServicesConfigError(file, at, err instanceof Error ? err.message : String(err));
}

/** Header pre-pass (reference 1.8): project, versions and the namespace, needed before the rest renders. */
function header(raw: Obj, opts: LoadOptions): { project: string; versions: Record<string, string>; namespace: string; envCfg: Environment } {
  const spec = isObj(raw.spec) ? raw.spec : {};
  const meta = isObj(raw.metadata) ? raw.metadata : {};
  const project = String(spec.project ?? meta.name ?? '');
  if (!project) fail(opts.file, 'spec.project', 'spec.project or metadata.name is required');
  const versions = Object.fromEntries(Object.entries(isObj(spec.versions) ? spec.versions : {}).map(([k, v]) => [k, String(isObj(v) ? (v.value ?? '') : '')]));
  const envs = (isObj(spec.environments) ? spec.environments : {}) as Record<string, Environment>;
  let envCfg: Environment;
  try {
    envCfg = resolveEnvironment(envs, opts.env);
  } catch (err) {
    fail(opts.file, `spec.environments.${opts.env}`, err);
  }
  const base = { Project: project, Env: opts.env, Slot: opts.slot, Vars: opts.vars ?? {}, Versions: versions };
  let namespace = opts.namespace ?? '';
  if (!namespace && envCfg.namespaceTemplate) namespace = String(renderStrings(envCfg.namespaceTemplate, base, opts.file, `spec.environments.${opts.env}.namespaceTemplate`));
  if (!namespace) namespace = opts.env === 'ai' && opts.slot > 0 ? `${project}-dev-${opts.slot}` : `${project}-${opts.env}`;
  return { project, versions, namespace, envCfg };
}

function applyComponents(doc: ServicesYaml, file: string): (ServiceItem & { dependsOn: string[] })[] {
  const byName = new Map<string, (typeof doc.spec.components)[number]>();
  for (const [i, c] of doc.spec.components.entries()) {
    if (byName.has(c.name)) fail(file, `spec.components[${i}].name`, `duplicate component "${c.name}"`);
    byName.set(c.name, c);
  }
  return doc.spec.services.map((s, i) => {
    let out = { ...s };
    for (const use of s.use) {
      const c = byName.get(use);
      if (!c) fail(file, `spec.services[${i}].use`, `service "${s.name}" uses unknown component "${use}"`);
      const d = c.serviceDefaults;
      out = {
        ...out,
        ...(out.codeUpdateStrategy || !d.codeUpdateStrategy ? {} : { codeUpdateStrategy: d.codeUpdateStrategy }),
        ...(out.deployGroup || !d.deployGroup ? {} : { deployGroup: d.deployGroup }),
        ...(out.dependsOn?.length || !d.dependsOn ? {} : { dependsOn: [...d.dependsOn] }),
      };
    }
    return { ...out, dependsOn: out.dependsOn ?? [] };
  });
}

function enabled<T extends { name: string; when?: string | undefined }>(items: readonly T[], file: string, list: string): T[] {
  const seen = new Set<string>();
  return items.filter((u, i) => {
    if (seen.has(u.name)) fail(file, `spec.${list}[${i}].name`, `duplicate name "${u.name}"`);
    seen.add(u.name);
    try {
      return parseWhen(u.when);
    } catch (err) {
      fail(file, `spec.${list}[${i}].when`, `${u.name}: ${(err as Error).message}`);
    }
  });
}

/**
 * Loads services.yaml for one environment and slot (reference 1.9): imports merged, the header pre-pass,
 * every templated string rendered over Project, Env, Slot, Namespace, Vars and Versions, the typed schema,
 * components, `when` guards, and the slot host. Every error is a ServicesConfigError naming the file, the
 * path in the document and the rule.
 */
export async function loadServicesYaml(src: ConfigSource, opts: LoadOptions): Promise<ResolvedStack> {
  const raw = await loadWithImports(src, opts.file);
  const h = header(raw, opts);
  const ctx = { Project: h.project, Env: opts.env, Slot: opts.slot, Namespace: h.namespace, Vars: opts.vars ?? {}, Versions: h.versions };
  const parsed = ServicesYaml.safeParse(renderStrings(raw, ctx, opts.file, ''));
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    fail(opts.file, issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, ''), issue.message);
  }
  const doc = parsed.data;
  const envCfg = resolveEnvironment(doc.spec.environments, opts.env);
  let host: string | null = null;
  const at = `spec.environments.${opts.env}.domainTemplate`;
  try {
    if (envCfg.domainTemplate) host = checkHost(envCfg.domainTemplate);
    else if (opts.aiDomain) host = checkHost(`${h.namespace}.${opts.aiDomain}`);
  } catch (err) {
    fail(opts.file, envCfg.domainTemplate ? at : 'CODEXK8S_AI_DOMAIN', err);
  }
  const imageVars = Object.fromEntries(
    Object.entries(doc.spec.images).map(([n, img]) => [imageVar(n), img.local ?? img.from ?? `${img.repository ?? n}:${img.tagTemplate || 'latest'}`]),
  );
  return {
    file: opts.file,
    project: h.project,
    env: opts.env,
    slot: opts.slot,
    namespace: h.namespace,
    host,
    versions: h.versions,
    imageVars,
    deployOrder: doc.spec.orchestration.deployOrder,
    infrastructure: enabled(doc.spec.infrastructure, opts.file, 'infrastructure'),
    services: enabled(applyComponents(doc, opts.file), opts.file, 'services').filter(
      (svc) => svc.scope !== 'infrastructure-singleton' || (['production', 'prod'].includes(opts.env) && h.namespace === opts.platformNamespace),
    ),
    document: doc,
  };
}
