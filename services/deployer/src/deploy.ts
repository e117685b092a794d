import type { DeployProgress } from '@codex-k8s/db';
import { planDeploy, type ConfigSource, type PlannedUnit, type ResolvedStack } from '@codex-k8s/services-config';
import type { ObjectApplier } from '@codex-k8s/kube';
import { lookAgainIn } from '@codex-k8s/runtime';
import { UnitError, applyObjects, checkScopes, placeIn, removePreviousJobs, unitState } from './apply.js';
import { fingerprint } from './fingerprint.js';
import type { PodReader } from './pod-failure.js';
import { renderUnit, type RenderedObject } from './manifests.js';
import { checkTenantPolicy, type ReservedObjects } from './tenant-policy.js';
import { tlsSourceProblem } from './tls-source.js';

/** One unit's progress, persisted per run and published as it happens. */
export interface UnitProgress {
  readonly unit: PlannedUnit;
  readonly objects: readonly string[];
  readonly startedAt: Date;
  readonly readyAt: Date;
}

export interface StepDeps {
  readonly applier: ObjectApplier;
  /** The slot's pods, looked at while a workload is not ready (a crash loop or a missing image fails the unit). */
  readonly pods?: { readonly reader: PodReader; readonly pullGraceMs: number };
  readonly fieldManager: string;
  /** How long one unit may take from its start (previous Jobs deleted, applied, ready). */
  readonly timeoutMs: number;
  /** The longest hand-back while a unit is not ready; sooner while it has not waited long (lookAgainIn). */
  readonly pollMs: number;
  readonly now?: () => Date;
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
  /** Salts the fingerprint (a staff redeploy's id): the state differs from every earlier deploy, so all is applied again. */
  readonly salt?: string | undefined;
  /** How far earlier steps of this deploy got (all nulls and 0 for a new deploy). */
  readonly progress: DeployProgress;
  /** Records progress before the step goes on: the next step (any replica, after any restart) starts from it. */
  readonly saveProgress: (p: DeployProgress) => Promise<void>;
  readonly log: (stage: string, message: string) => void;
  readonly onUnitReady?: (p: UnitProgress) => Promise<void>;
}

/** What one step achieved: the whole stack is deployed, or it waits for a unit and asks to be called again. */
export type DeployStep =
  | { readonly state: 'done'; readonly fingerprint: string; readonly unchanged: boolean; readonly objects: readonly RenderedObject[] }
  | { readonly state: 'waiting'; readonly delayMs: number; readonly awaiting: string };

export const NO_PROGRESS: DeployProgress = { fingerprint: null, unitsDone: 0, unitStartedAt: null, unitAppliedAt: null };

/**
 * One short, idempotent step of a slot deploy; it never sleeps. Renders every unit (a template or YAML error stops
 * the deploy before any apply), refuses objects that reach beyond the slot (checkTenantPolicy), cluster-scoped ones
 * and a host no object issues a certificate for, and finishes at once when the fingerprint equals the last deployed
 * one. Otherwise it goes on from `progress` through the units in plan order: a unit's previous Jobs are deleted
 * (waiting while they go), its objects applied once, then looked at; a unit not ready yet ends the step with
 * `waiting`, a ready one is announced (onUnitReady) and the next unit starts in the same step. Progress is saved
 * before each action, so a step cut short by a restart is continued, not redone.
 * @throws UnitError when a unit failed or did not get ready within timeoutMs of its start; the policy errors.
 */
export async function deployStep(deps: StepDeps, input: DeployInput): Promise<DeployStep> {
  const now = deps.now ?? (() => new Date());
  const rendered = await renderDeploy(input);
  const all = rendered.flatMap((r) => r.objects);
  const fp = fingerprint(input.stack.namespace, all, input.salt);
  const fresh = input.progress.fingerprint !== fp;
  if (fresh) input.log('prepare', `${rendered.length} units, ${all.length} objects: ${rendered.map((r) => `${r.unit.group}/${r.unit.name}`).join(', ')}`);
  checkTenantPolicy(all, input.stack.namespace, input.reserved);
  await checkScopes(deps.applier, all);
  const tlsSecret = input.vars.CODEXK8S_TLS_SECRET_NAME;
  const tlsProblem = input.stack.host && tlsSecret ? tlsSourceProblem(all.map((r) => r.object), input.stack.host, tlsSecret) : undefined;
  if (tlsProblem) throw new UnitError(tlsProblem);
  if (fp === input.previousFingerprint) {
    input.log('reconcile', `desired state unchanged (fingerprint ${fp.slice(0, 12)}); nothing applied`);
    return { state: 'done', fingerprint: fp, unchanged: true, objects: all };
  }
  let p: DeployProgress = fresh ? { ...NO_PROGRESS, fingerprint: fp } : input.progress;
  if (fresh) await input.saveProgress(p);
  while (p.unitsDone < rendered.length) {
    const r = rendered[p.unitsDone];
    if (!r) break;
    const stage = r.unit.kind === 'infrastructure' ? 'infrastructure' : 'services';
    const objects = placeIn(r.objects, input.stack.namespace);
    if (!p.unitStartedAt) {
      p = { ...p, unitStartedAt: now() };
      await input.saveProgress(p);
      input.log(stage, `applying ${r.unit.group}/${r.unit.name} (${r.objects.length} objects)`);
    }
    const startedAt = p.unitStartedAt ?? now();
    const late = (): boolean => now().getTime() - startedAt.getTime() > deps.timeoutMs;
    if (!p.unitAppliedAt) {
      const leaving = await removePreviousJobs(deps.applier, objects);
      if (leaving.length > 0) {
        if (late()) throw new UnitError(`${leaving.join(', ')}: the previous Job was not deleted within ${Math.round(deps.timeoutMs / 1000)}s`);
        return { state: 'waiting', delayMs: lookAgainIn(now().getTime() - startedAt.getTime(), deps.pollMs), awaiting: `previous ${leaving.join(', ')} to be deleted` };
      }
      await applyObjects(deps.applier, deps.fieldManager, objects);
      p = { ...p, unitAppliedAt: now() };
      await input.saveProgress(p);
    }
    const appliedAt = p.unitAppliedAt ?? startedAt;
    const state = await unitState(deps.applier, objects, deps.pods && { reader: deps.pods.reader, judgement: { since: startedAt, now: now(), pullGraceMs: deps.pods.pullGraceMs } });
    if (!state.ready) {
      if (late()) throw new UnitError(`${r.unit.group}/${r.unit.name} not ready after ${Math.round(deps.timeoutMs / 1000)}s: waiting for ${state.awaiting}`);
      return { state: 'waiting', delayMs: lookAgainIn(now().getTime() - appliedAt.getTime(), deps.pollMs), awaiting: state.awaiting };
    }
    const done: UnitProgress = { unit: r.unit, objects: objects.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`), startedAt, readyAt: now() };
    input.log(stage, `${r.unit.group}/${r.unit.name} ready in ${done.readyAt.getTime() - startedAt.getTime()} ms`);
    await input.onUnitReady?.(done);
    p = { fingerprint: fp, unitsDone: p.unitsDone + 1, unitStartedAt: null, unitAppliedAt: null };
    await input.saveProgress(p);
  }
  return { state: 'done', fingerprint: fp, unchanged: false, objects: all };
}

/** Every unit of the plan rendered, in plan order (units without manifests have no objects). */
export async function renderDeploy(input: Pick<DeployInput, 'src' | 'stack' | 'vars'>): Promise<{ unit: PlannedUnit; objects: RenderedObject[] }[]> {
  const byName = new Map<string, { name: string; manifests: readonly { path: string }[] }>([
    ...input.stack.infrastructure.map((i) => [i.name, i] as const),
    ...input.stack.services.map((s) => [s.name, s] as const),
  ]);
  const rendered: { unit: PlannedUnit; objects: RenderedObject[] }[] = [];
  for (const unit of planDeploy(input.stack)) {
    const def = byName.get(unit.name);
    if (def) rendered.push({ unit, objects: await renderUnit(input.src, input.stack, def, input.vars) });
  }
  return rendered;
}
