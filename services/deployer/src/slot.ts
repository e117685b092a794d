import { RunCreatedV1, SlotLeasedV1, type Envelope, type LaunchErrorReason, type RunCreatedData } from '@codex-k8s/contracts';
import { causeOf, endRunWithLaunchError, handlesRun, publishCaused, type Cause } from '@codex-k8s/flow';
import type { MessageMeta } from '@codex-k8s/bus';
import { claimNamespace, findProjectRepository, getProject, getRun, leaseSlot, releaseSlot, setDeployTask, setRunSlot, upsertDeployTask, type AgentRunRow, isLiveRun } from '@codex-k8s/db';
import { RetryAfter } from '@codex-k8s/runtime';
import { directorySource, loadServicesYaml, ServicesConfigError, type ResolvedStack } from '@codex-k8s/services-config';
import { TemplateError } from '@codex-k8s/templates';
import { NAME, type DeployerDeps } from './deps.js';
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
 * Makes sure the project (of a run, or of a staff redeploy) may use the slot namespace its services.yaml resolved: inside the project's prefix,
 * and claimed for that project in namespace_owners (first claim wins, never transferred).
 * @throws NamespaceNotOwnedError naming the namespace and why.
 */
export async function claimSlotNamespace(deps: DeployerDeps, run: { readonly project_id: string }, namespace: string): Promise<void> {
  const project = await getProject(deps.db, run.project_id);
  const problem = slotNamespaceProblem(namespace, { projectSlug: project?.slug ?? '', platformNamespace: deps.config.CODEXK8S_PLATFORM_NAMESPACE });
  if (problem) throw new NamespaceNotOwnedError(problem);
  const owner = await claimNamespace(deps.db, { namespace, projectId: run.project_id, purpose: 'slot' });
  if (owner !== run.project_id) throw new NamespaceNotOwnedError(`slot namespace ${namespace} belongs to another project; refusing to deploy into it`);
}

/** Ends a run whose slot deploy cannot go on: `run.failed.launch_error` (runtime_deploy_failed, or the ownership refusal), slot freed. */
export async function failSlotRun(deps: DeployerDeps, run: AgentRunRow & { project_id: string }, cause: Cause, error: string, reason: LaunchErrorReason = 'runtime_deploy_failed'): Promise<void> {
  await endRunWithLaunchError(deps, { id: run.id, project_id: run.project_id, runtime_mode: 'full-env', namespace: run.namespace }, cause, { reason, error });
  await setDeployTask(deps.db, run.id, { status: 'failed', error }).catch(() => undefined);
  await releaseSlot(deps.db, { projectId: run.project_id, runId: run.id });
  deps.log.error({ run: run.id, error }, 'slot deploy failed; run ended');
}

/**
 * `run.created` with a slot deploy: lease the lowest free slot, fetch the repository at the binding's ref, resolve
 * the ai environment for that slot, record the deploy task, then `slot.leased` so the namespace is prepared. No free
 * slot is a wait (RetryAfter, the message is handed back), and other failures are retried, both until the deploy
 * retry window has passed since the run was created; then the run ends (`run.failed.launch_error`).
 * @throws RetryAfter while no slot is free; other errors to be retried.
 */
export async function handleSlotRunCreated(deps: DeployerDeps, e: Envelope<RunCreatedData>, meta: MessageMeta): Promise<void> {
  const found = await getRun(deps.db, e.data.run_id);
  if (!found?.project_id || !isLiveRun(found) || !handlesRun(found, NAME, RunCreatedV1.type)) return;
  const run = { ...found, project_id: found.project_id };
  const ctx = causeOf(e);
  const slot = await leaseSlot(deps.db, { projectId: run.project_id, runId: run.id, count: deps.config.CODEXK8S_WORKER_SLOTS_PER_PROJECT, ttlMs: deps.config.CODEXK8S_WORKER_SLOT_LEASE_TTL_MS });
  const overdue = meta.lastDelivery || Date.now() > meta.publishedAt.getTime() + deps.config.CODEXK8S_DEPLOY_RETRY_WINDOW_MS;
  if (slot === null) {
    const busy = `no free slot among ${deps.config.CODEXK8S_WORKER_SLOTS_PER_PROJECT}`;
    if (overdue) return failSlotRun(deps, run, ctx, `${busy} within ${Math.round(deps.config.CODEXK8S_DEPLOY_RETRY_WINDOW_MS / 1000)}s`);
    throw new RetryAfter(deps.config.CODEXK8S_DEPLOY_POLL_MS, `${busy} for run ${run.id}`);
  }
  try {
    const b = await bindingOf(deps, run.project_id, run.repository_full_name ?? '');
    const { snapshot, stack } = await loadSlotStack(deps, { cloneUrl: b.cloneUrl, ref: b.ref, servicesYaml: b.servicesYaml, slot });
    await claimSlotNamespace(deps, run, stack.namespace);
    await setRunSlot(deps.db, run.id, { slotNo: slot, namespace: stack.namespace });
    await upsertDeployTask(deps.db, { runId: run.id, namespace: stack.namespace, slotNo: slot, repositoryFullName: b.fullName, servicesYamlPath: b.servicesYaml, buildRef: snapshot.commit });
    await setDeployTask(deps.db, run.id, { status: 'running', commit: snapshot.commit, host: stack.host });
    await publishCaused(deps.bus, SlotLeasedV1, ctx, {
      runId: run.id,
      data: { run_id: run.id, project_id: run.project_id, runtime_mode: 'full-env', namespace: stack.namespace, slot_no: slot, host: stack.host, commit: snapshot.commit, services_yaml_path: b.servicesYaml },
    });
    deps.log.info({ run: run.id, slot, namespace: stack.namespace, commit: snapshot.commit }, 'slot leased');
  } catch (err) {
    if (isPermanentDeployError(err) || overdue) return failSlotRun(deps, run, ctx, (err as Error).message, launchErrorReasonOf(err));
    throw err;
  }
}

/** The launch error reason a deploy failure ends the run with. Pure. */
export function launchErrorReasonOf(err: unknown): LaunchErrorReason {
  return err instanceof NamespaceNotOwnedError ? 'namespace_owned_by_another_project' : 'runtime_deploy_failed';
}
