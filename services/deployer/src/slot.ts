import { RunLaunchErrorV1, SlotLeasedV1, deterministicId, runEndedEventId, type Envelope, type LaunchErrorReason, type RunCreatedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { claimNamespace, findProjectRepository, finishRun, getProject, getRun, leaseSlot, releaseSlot, setDeployTask, setRunSlot, upsertDeployTask, type AgentRunRow, isLiveRun } from '@codex-k8s/db';
import { directorySource, loadServicesYaml, ServicesConfigError, type ResolvedStack } from '@codex-k8s/services-config';
import { TemplateError } from '@codex-k8s/templates';
import type { DeployerDeps } from './deps.js';
import { slotNamespaceProblem } from './ownership.js';
import { fetchSnapshot, type Snapshot } from './repo.js';

/** The repository binding of a run (its project and `owner/name`) from the repositories table. */
export async function bindingOf(deps: DeployerDeps, projectId: string, fullName: string): Promise<{ cloneUrl: string; servicesYaml: string; ref: string; fullName: string }> {
  const repo = await findProjectRepository(deps.db, projectId, fullName);
  if (!repo) throw new ServicesConfigError(fullName, '', 'the repository is no longer bound to the project');
  return { cloneUrl: repo.clone_url, servicesYaml: repo.services_yaml_path, ref: repo.default_ref, fullName: `${repo.owner}/${repo.name}` };
}

/** Loads the project's stack at a commit for one slot (shared by the lease and the deploy step). */
export async function loadSlotStack(deps: DeployerDeps, o: { cloneUrl: string; ref: string; servicesYaml: string; slot: number }): Promise<{ snapshot: Snapshot; stack: ResolvedStack }> {
  const snapshot = await fetchSnapshot({ cloneUrl: o.cloneUrl, ref: o.ref, cacheDir: deps.config.CODEXK8S_REPO_CACHE_DIR });
  const stack = await loadServicesYaml(directorySource(snapshot.dir), {
    file: o.servicesYaml,
    env: deps.config.CODEXK8S_RUNTIME_DEPLOY_ENV,
    slot: o.slot,
    ...(deps.config.CODEXK8S_AI_DOMAIN ? { aiDomain: deps.config.CODEXK8S_AI_DOMAIN } : {}),
  });
  return { snapshot, stack };
}

/** A slot namespace the run's project may not use (another project's, or outside its prefix): the run ends. */
export class NamespaceNotOwnedError extends Error {
  override readonly name = 'NamespaceNotOwnedError';
}

/** Errors a retry cannot fix: a broken services.yaml or template, a namespace of another project. */
export const isPermanentDeployError = (err: unknown): boolean => err instanceof ServicesConfigError || err instanceof TemplateError || err instanceof NamespaceNotOwnedError;

/**
 * Makes sure the run's project may use the slot namespace its services.yaml resolved: inside the project's prefix,
 * and claimed for that project in namespace_owners (first claim wins, never transferred).
 * @throws NamespaceNotOwnedError naming the namespace and why.
 */
export async function claimSlotNamespace(deps: DeployerDeps, run: AgentRunRow & { project_id: string }, namespace: string): Promise<void> {
  const project = await getProject(deps.db, run.project_id);
  const problem = slotNamespaceProblem(namespace, { projectSlug: project?.slug ?? '', platformNamespace: deps.config.CODEXK8S_PLATFORM_NAMESPACE });
  if (problem) throw new NamespaceNotOwnedError(problem);
  const owner = await claimNamespace(deps.db, { namespace, projectId: run.project_id, purpose: 'slot' });
  if (owner !== run.project_id) throw new NamespaceNotOwnedError(`slot namespace ${namespace} belongs to another project; refusing to deploy into it`);
}

/** Ends a run whose slot deploy cannot go on: `run.failed.launch_error` (runtime_deploy_failed, or the ownership refusal), slot freed. */
export async function failSlotRun(deps: DeployerDeps, run: AgentRunRow, ctx: { correlationId: string; causationId: string }, error: string, reason: LaunchErrorReason = 'runtime_deploy_failed'): Promise<void> {
  await deps.bus.publish(RunLaunchErrorV1, {
    id: runEndedEventId(run.id),
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    subject: `run/${run.id}`,
    data: { run_id: run.id, project_id: run.project_id ?? '', runtime_mode: 'full-env', namespace: run.namespace, reason, error },
  });
  await finishRun(deps.db, run.id, 'failed', { event_type: RunLaunchErrorV1.type, reason, error });
  await setDeployTask(deps.db, run.id, { status: 'failed', error }).catch(() => undefined);
  if (run.project_id) await releaseSlot(deps.db, { projectId: run.project_id, runId: run.id });
  deps.log.error({ run: run.id, error }, 'slot deploy failed; run ended');
}

/**
 * `run.created` with a slot deploy: lease the lowest free slot (none free: retried with backoff, the run
 * fails only on the last allowed attempt), fetch the repository at the binding's ref, resolve the ai
 * environment for that slot, record the deploy task, then `slot.leased` so the namespace is prepared.
 */
export async function handleSlotRunCreated(deps: DeployerDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  const run = await getRun(deps.db, e.data.run_id);
  if (!run?.project_id || !run.runtime_deploy || !isLiveRun(run)) return;
  const ctx = { correlationId: e.correlationid, causationId: e.id };
  const slot = await leaseSlot(deps.db, { projectId: run.project_id, runId: run.id, count: deps.config.CODEXK8S_WORKER_SLOTS_PER_PROJECT, ttlMs: deps.config.CODEXK8S_WORKER_SLOT_LEASE_TTL_MS });
  if (slot === null) {
    if (meta.lastDelivery) return failSlotRun(deps, run, ctx, `no free slot among ${deps.config.CODEXK8S_WORKER_SLOTS_PER_PROJECT}`);
    throw new Error('no free slot yet; retrying');
  }
  try {
    const b = await bindingOf(deps, run.project_id, run.repository_full_name ?? '');
    const { snapshot, stack } = await loadSlotStack(deps, { cloneUrl: b.cloneUrl, ref: b.ref, servicesYaml: b.servicesYaml, slot });
    await claimSlotNamespace(deps, { ...run, project_id: run.project_id }, stack.namespace);
    await setRunSlot(deps.db, run.id, { slotNo: slot, namespace: stack.namespace });
    await upsertDeployTask(deps.db, { runId: run.id, namespace: stack.namespace, slotNo: slot, repositoryFullName: b.fullName, servicesYamlPath: b.servicesYaml, buildRef: snapshot.commit });
    await setDeployTask(deps.db, run.id, { status: 'running', commit: snapshot.commit, host: stack.host });
    await deps.bus.publish(SlotLeasedV1, {
      id: deterministicId('slot.leased', run.id),
      correlationId: e.correlationid,
      causationId: e.id,
      subject: `run/${run.id}`,
      data: { run_id: run.id, project_id: run.project_id, runtime_mode: 'full-env', namespace: stack.namespace, slot_no: slot, host: stack.host, commit: snapshot.commit, services_yaml_path: b.servicesYaml },
    });
    deps.log.info({ run: run.id, slot, namespace: stack.namespace, commit: snapshot.commit }, 'slot leased');
  } catch (err) {
    if (isPermanentDeployError(err) || meta.lastDelivery) return failSlotRun(deps, run, ctx, (err as Error).message, launchErrorReasonOf(err));
    throw err;
  }
}

/** The launch error reason a deploy failure ends the run with. Pure. */
export function launchErrorReasonOf(err: unknown): LaunchErrorReason {
  return err instanceof NamespaceNotOwnedError ? 'namespace_owned_by_another_project' : 'runtime_deploy_failed';
}
