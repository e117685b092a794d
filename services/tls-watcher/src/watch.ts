import { RunLaunchErrorV1, SlotReadyV1, SlotTlsFailedV1, deterministicId, runEndedEventId, type Envelope, type SlotDeployedData } from '@codex-k8s/contracts';
import type { Bus } from '@codex-k8s/bus';
import { finishRun, getRun, type Db } from '@codex-k8s/db';
import { isNotFound } from '@codex-k8s/kube';
import type { Logger } from '@codex-k8s/runtime';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { certificateState, type CertificateState } from './certificate.js';

export interface WatcherDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: Logger;
  readonly custom: CustomObjectsApi;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

async function readCertificate(deps: WatcherDeps, namespace: string, name: string): Promise<CertificateState> {
  try {
    return certificateState((await deps.custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates', name })) as never);
  } catch (err) {
    if (isNotFound(err)) return certificateState(undefined);
    throw err;
  }
}

/**
 * `slot.deployed`: follows the slot's Certificate (named after the Ingress TLS secret) until Ready=True, then
 * `slot.ready` with the public URL; a failed issuance or the timeout gives `slot.tls.failed` with cert-manager's
 * reason and ends the run (`run.failed.launch_error`, runtime_deploy_failed). A slot without a host is ready at once.
 */
export async function handleSlotDeployed(deps: WatcherDeps, e: Envelope<SlotDeployedData>): Promise<void> {
  const d = e.data;
  const run = await getRun(deps.db, d.run_id);
  if (!run || (run.status !== 'pending' && run.status !== 'running')) return;
  const base = { run_id: d.run_id, project_id: d.project_id, namespace: d.namespace, slot_no: d.slot_no };
  let last: CertificateState = { state: 'pending', reason: 'NotChecked', message: '' };
  if (d.host && d.tls_secret) {
    const deadline = Date.now() + deps.timeoutMs;
    while (Date.now() < deadline) {
      last = await readCertificate(deps, d.namespace, d.tls_secret);
      if (last.state !== 'pending') break;
      await new Promise((r) => setTimeout(r, deps.pollMs));
    }
    if (last.state !== 'ready') {
      const reason = last.state === 'failed' ? last.reason : 'Timeout';
      const message = last.state === 'failed' ? last.message : `Certificate ${d.tls_secret} not Ready after ${Math.round(deps.timeoutMs / 1000)}s (last: ${last.reason}: ${last.message})`;
      await deps.bus.publish(SlotTlsFailedV1, { id: deterministicId('slot.tls.failed', d.run_id), correlationId: e.correlationid, causationId: e.id, subject: `run/${d.run_id}`, data: { ...base, host: d.host, reason, message } });
      const error = `TLS for ${d.host}: ${reason}: ${message}`;
      await deps.bus.publish(RunLaunchErrorV1, {
        id: runEndedEventId(d.run_id),
        correlationId: e.correlationid,
        causationId: e.id,
        subject: `run/${d.run_id}`,
        data: { run_id: d.run_id, project_id: d.project_id, runtime_mode: 'full-env', namespace: d.namespace, reason: 'runtime_deploy_failed', error },
      });
      await finishRun(deps.db, d.run_id, 'failed', { event_type: RunLaunchErrorV1.type, reason: 'runtime_deploy_failed', error });
      deps.log.error({ run: d.run_id, host: d.host, reason }, 'slot certificate not ready; run ended');
      return;
    }
  }
  await deps.bus.publish(SlotReadyV1, { id: deterministicId('slot.ready', d.run_id), correlationId: e.correlationid, causationId: e.id, subject: `run/${d.run_id}`, data: { ...base, host: d.host, public_url: d.public_url } });
  deps.log.info({ run: d.run_id, url: d.public_url }, 'slot ready');
}
