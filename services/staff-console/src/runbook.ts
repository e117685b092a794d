import type { RunbookCommand } from '@codex-k8s/contracts';

export interface RunbookFacts {
  readonly runId: string;
  readonly runtimeMode: 'full-env' | 'code-only' | null;
  /** The run's namespace (a slot's for slot runs); null for code-only runs. */
  readonly namespace: string | null;
  readonly jobName: string;
  readonly jobNamespace: string;
  readonly slotNo: number | null;
  readonly host: string | null;
  /** The label prefix, e.g. `codex-k8s.dev/`. */
  readonly labelDomain: string;
}

/**
 * The operator's commands for one run, filled in with its names (the runbook's "Inspecting a run" and "Slots"
 * sections): namespace, baseline, ingress, certificate/order/challenge, Job, pods, logs, events. Every value comes
 * from the platform's own rows (namespaces, job names and hosts are DNS names it made), never from free text. Pure.
 */
export function runbookFor(f: RunbookFacts): RunbookCommand[] {
  const d = f.labelDomain;
  const out: RunbookCommand[] = [];
  const ns = f.namespace;
  if (ns) {
    out.push({ title: 'namespace', command: `kubectl get namespace ${ns} -L ${d}run-id,${d}namespace-purpose,${d}runtime-mode` });
    if (f.slotNo === null) out.push({ title: 'namespaces of this run', command: `kubectl get namespace -l ${d}run-id=${f.runId}` });
    out.push({ title: 'baseline', command: `kubectl -n ${ns} get serviceaccount,role,rolebinding,resourcequota,limitrange,networkpolicy -l ${d}managed-by=codex-k8s-worker` });
    out.push({ title: 'ingress', command: `kubectl -n ${ns} get ingress -o wide` });
    out.push({ title: 'certificate', command: `kubectl -n ${ns} get certificate,certificaterequest,order,challenge` });
    out.push({ title: 'certificate details', command: `kubectl -n ${ns} describe certificate` });
  }
  out.push({ title: 'job', command: `kubectl -n ${f.jobNamespace} get job ${f.jobName} -o wide` });
  out.push({ title: 'job details', command: `kubectl -n ${f.jobNamespace} describe job ${f.jobName}` });
  out.push({ title: 'pods', command: `kubectl -n ${f.jobNamespace} get pods -l job-name=${f.jobName} -o wide` });
  out.push({ title: 'logs', command: `kubectl -n ${f.jobNamespace} logs job/${f.jobName}` });
  out.push({ title: 'events', command: `kubectl -n ${ns ?? f.jobNamespace} get events --sort-by=.lastTimestamp` });
  if (f.host) out.push({ title: 'https', command: `curl -sS -o /dev/null -w '%{http_code} %{ssl_verify_result}\\n' https://${f.host}/` });
  return out;
}
