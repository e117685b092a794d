import { agentFinishOf, firstEventsOf, getDeployTask, listArtifacts, listStatusLines, namespaceDeletedFor } from '@codex-k8s/db';
import { agentJobName } from '@codex-k8s/kube';
import { canAct, type Access } from './access.js';
import { ok, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';
import { runbookFor } from './runbook.js';
import { PHASE_EVENT_TYPES, cancelAvailability, deleteNamespaceAvailability, deployTaskOf, phasesOf, runSummaryOf, senderOf } from './views.js';

/** `GET /api/v1/staff/runs/{run_id}`: everything the run page shows. */
export async function handleRunDetails(deps: ConsoleDeps, access: Access, params: unknown): Promise<Answer> {
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v.answer;
  const run = v.run;
  const [firsts, statusLines, finished, artifacts, task, deleted] = await Promise.all([
    firstEventsOf(deps.db, run.correlation_id, PHASE_EVENT_TYPES),
    listStatusLines(deps.db, run.id),
    agentFinishOf(deps.db, run.id),
    listArtifacts(deps.db, run.id),
    getDeployTask(deps.db, run.id),
    namespaceDeletedFor(deps.db, run.correlation_id),
  ]);
  const mayAct = canAct(access, run.project_id);
  const jobName = run.job_name ?? agentJobName(run.id);
  const jobNamespace = run.job_namespace ?? run.namespace ?? deps.platformNamespace;
  const host = task?.host ?? null;
  return ok({
    ...runSummaryOf(run),
    sender_login: senderOf(run),
    public_url: host ? `https://${host}` : null,
    namespace_state: !run.namespace ? 'none' : deleted && !run.runtime_deploy ? 'deleted' : 'active',
    phases: phasesOf(firsts),
    status_lines: statusLines.map((s) => ({ seq: s.seq, message: s.message, received_at: new Date(s.received_at).toISOString() })),
    agent_finished: finished ? { exit_code: finished.exit_code, summary: finished.summary, received_at: new Date(finished.received_at).toISOString() } : null,
    artifacts: artifacts.map((a) => ({ name: a.name, kind: a.kind, content_type: a.content_type, size_bytes: a.size_bytes, url: a.url, number: a.number, branch: a.branch, title: a.title, created_at: new Date(a.created_at).toISOString() })),
    deploy: task ? deployTaskOf(task, true) : null,
    runbook: runbookFor({ runId: run.id, runtimeMode: run.runtime_mode, namespace: run.namespace, jobName, jobNamespace, slotNo: run.slot_no, host, labelDomain: deps.labelDomain }),
    actions: { cancel: cancelAvailability(run, mayAct), delete_namespace: deleteNamespaceAvailability(run, deleted, mayAct) },
  });
}
