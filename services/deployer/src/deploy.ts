import { planDeploy, type ConfigSource, type PlannedUnit, type ResolvedStack } from '@codex-k8s/services-config';
import { applyUnit, checkScopes, type ApplyDeps } from './apply.js';
import { fingerprint } from './fingerprint.js';
import { renderUnit, type RenderedObject } from './manifests.js';
import { checkTenantPolicy, type ReservedObjects } from './tenant-policy.js';

/** One unit's progress, persisted per run and published as it happens. */
export interface UnitProgress {
  readonly unit: PlannedUnit;
  readonly objects: readonly string[];
  readonly startedAt: Date;
  readonly readyAt: Date;
}

export interface DeployInput {
  readonly src: ConfigSource;
  readonly stack: ResolvedStack;
  /** Template variables for the manifests (CODEXK8S_STAGING_DOMAIN, CODEXK8S_PUBLIC_BASE_URL, images...). */
  readonly vars: Readonly<Record<string, string>>;
  /** What the platform owns in the slot: tenant manifests may not touch it. */
  readonly reserved: ReservedObjects;
  /** The fingerprint of this project's last successful deploy into this namespace, if any. */
  readonly previousFingerprint?: string | undefined;
  readonly log: (stage: string, message: string) => void;
  readonly onUnitReady?: (p: UnitProgress) => Promise<void>;
}

export interface DeployResult {
  readonly fingerprint: string;
  /** True when the desired state equals the last deployed one: nothing was applied. */
  readonly unchanged: boolean;
  readonly units: readonly UnitProgress[];
  readonly objects: readonly RenderedObject[];
}

/**
 * Deploys a resolved stack into its slot namespace: renders every unit first (a template or YAML error stops
 * the deploy before any apply), refuses objects that reach beyond the slot (checkTenantPolicy) and cluster-scoped
 * objects, skips everything when the fingerprint is
 * unchanged, then applies infrastructure and services in plan order, each unit ready before the next starts.
 */
export async function deployStack(deps: ApplyDeps, input: DeployInput): Promise<DeployResult> {
  const plan = planDeploy(input.stack);
  const byName = new Map<string, { name: string; manifests: readonly { path: string }[] }>([
    ...input.stack.infrastructure.map((i) => [i.name, i] as const),
    ...input.stack.services.map((s) => [s.name, s] as const),
  ]);
  const rendered: { unit: PlannedUnit; objects: RenderedObject[] }[] = [];
  for (const unit of plan) {
    const def = byName.get(unit.name);
    if (def) rendered.push({ unit, objects: await renderUnit(input.src, input.stack, def, input.vars) });
  }
  const all = rendered.flatMap((r) => r.objects);
  input.log('prepare', `${plan.length} units, ${all.length} objects: ${plan.map((u) => `${u.group}/${u.name}`).join(', ')}`);
  checkTenantPolicy(all, input.stack.namespace, input.reserved);
  await checkScopes(deps.applier, all);
  const fp = fingerprint(input.stack.namespace, all);
  if (fp === input.previousFingerprint) {
    input.log('reconcile', `desired state unchanged (fingerprint ${fp.slice(0, 12)}); nothing applied`);
    return { fingerprint: fp, unchanged: true, units: [], objects: all };
  }
  const units: UnitProgress[] = [];
  for (const r of rendered) {
    const startedAt = new Date();
    input.log(r.unit.kind === 'infrastructure' ? 'infrastructure' : 'services', `applying ${r.unit.group}/${r.unit.name} (${r.objects.length} objects)`);
    await applyUnit(deps, r.objects, input.stack.namespace);
    const p: UnitProgress = { unit: r.unit, objects: r.objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`), startedAt, readyAt: new Date() };
    units.push(p);
    input.log(r.unit.kind === 'infrastructure' ? 'infrastructure' : 'services', `${r.unit.group}/${r.unit.name} ready in ${p.readyAt.getTime() - startedAt.getTime()} ms`);
    await input.onUnitReady?.(p);
  }
  return { fingerprint: fp, unchanged: false, units, objects: all };
}
