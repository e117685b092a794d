import { SlotDeployedV1, SlotReadyV1, SlotTlsFailedV1, type Envelope, type SlotDeployedData } from '@codex-k8s/contracts';
import type { MessageMeta } from '@codex-k8s/bus';
import { getDeployTask, getRun, type AgentRunRow, isLiveRun } from '@codex-k8s/db';
import { causeOf, endRunWithLaunchError, handlesRun, publishCaused } from '@codex-k8s/flow';
import { orUndefinedIfNotFound } from '@codex-k8s/kube';
import { RetryAfter } from '@codex-k8s/runtime';
import { certificateState, tlsStep, type CertificateState, type CertificateView } from './certificate.js';
import { NAME, type WatcherDeps } from './deps.js';

/** The slot a run is deployed to, as the run row and its deploy task record it (never the event). */
interface SlotFacts {
  readonly run: AgentRunRow & { project_id: string; namespace: string; slot_no: number };
  readonly host: string | null;
}

async function slotFacts(deps: WatcherDeps, runId: string): Promise<SlotFacts | undefined> {
  const run = await getRun(deps.db, runId);
  // Only a live run whose route has this step (a slot run) is followed.
  if (!run?.project_id || !run.namespace || !run.slot_no || !isLiveRun(run) || !handlesRun(run, NAME, SlotDeployedV1.type)) return undefined;
  const task = await getDeployTask(deps.db, run.id);
  // Only a deploy the deployer finished into the run's own namespace is followed.
  if (task?.status !== 'succeeded' || task.namespace !== run.namespace) return undefined;
  return { run: { ...run, project_id: run.project_id, namespace: run.namespace, slot_no: run.slot_no }, host: task.host };
}

async function readCertificate(deps: WatcherDeps, namespace: string, name: string, host: string): Promise<CertificateState> {
  const cert = await orUndefinedIfNotFound(deps.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates', name }));
  return certificateState(cert as CertificateView | undefined, host);
}

async function failTls(deps: WatcherDeps, e: Envelope<SlotDeployedData>, o: { facts: SlotFacts & { host: string }; last: CertificateState; certificate: string }): Promise<void> {
  const { facts: f, last, certificate } = o;
  const run = f.run;
  const reason = last.state === 'failed' ? last.reason : 'Timeout';
  const message = last.state === 'failed' ? last.message : `Certificate ${certificate} not Ready for ${f.host} after ${Math.round(deps.timeoutMs / 1000)}s (last: ${last.state === 'pending' ? `${last.reason}: ${last.message}` : last.state})`;
  const base = { run_id: run.id, project_id: run.project_id, namespace: run.namespace, slot_no: run.slot_no };
  await publishCaused(deps.bus, SlotTlsFailedV1, causeOf(e), { runId: run.id, data: { ...base, host: f.host, reason, message } });
  const error = `TLS for ${f.host}: ${reason}: ${message}`;
  const facts = { id: run.id, project_id: run.project_id, runtime_mode: 'full-env' as const, namespace: run.namespace };
  await endRunWithLaunchError(deps, facts, causeOf(e), { reason: 'runtime_deploy_failed', error });
  deps.log.error({ run: run.id, host: f.host, reason }, 'slot certificate not ready; run ended');
}

/**
 * `slot.deployed`: looks at the slot's Certificate (named after the Ingress TLS secret) in the run's namespace once.
 * Ready for its current spec with dnsNames covering the slot's host -> `slot.ready` with the public URL; a failed
 * issuance, or still pending when CODEXK8S_TLS_READY_TIMEOUT_MS has passed since the deploy was announced ->
 * `slot.tls.failed` with cert-manager's reason and the run ends (`run.failed.launch_error`, runtime_deploy_failed);
 * otherwise it asks to be called again (RetryAfter): the message goes back to the server instead of being held while
 * waiting, so the wait survives a restart and never delays a shutdown. Namespace, host and slot come from the run
 * row and its deploy task, never from the event. A slot without a host is ready at once.
 * @throws RetryAfter while the certificate is pending and the deadline has not passed.
 */
export async function handleSlotDeployed(deps: WatcherDeps, e: Envelope<SlotDeployedData>, meta: Pick<MessageMeta, 'publishedAt'>): Promise<void> {
  const f = await slotFacts(deps, e.data.run_id);
  if (!f) return;
  const run = f.run;
  const certificate = e.data.tls_secret;
  if (f.host && certificate) {
    const state = await readCertificate(deps, run.namespace, certificate, f.host);
    const next = tlsStep(state, { now: new Date(), startedAt: meta.publishedAt, timeoutMs: deps.timeoutMs, pollMs: deps.pollMs });
    if (next.step === 'wait') throw new RetryAfter(next.delayMs, `certificate ${certificate} for ${f.host}: ${state.state === 'pending' ? state.reason : state.state}`);
    if (next.step === 'fail') return failTls(deps, e, { facts: { ...f, host: f.host }, last: next.last, certificate });
  }
  const publicUrl = f.host ? `https://${f.host}` : null;
  await publishCaused(deps.bus, SlotReadyV1, causeOf(e), {
    runId: run.id,
    data: { run_id: run.id, project_id: run.project_id, namespace: run.namespace, slot_no: run.slot_no, host: f.host, public_url: publicUrl },
  });
  deps.log.info({ run: run.id, url: publicUrl }, 'slot ready');
}
