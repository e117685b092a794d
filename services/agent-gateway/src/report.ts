import { AgentFinishedV1, AgentReadyV1, AgentReportRequest, AgentStartedV1, AgentStatusReportedV1 } from '@codex-k8s/contracts';
import { recordAgentReport, type AgentIdentity } from '@codex-k8s/db';
import { publishCaused } from '@codex-k8s/flow';
import { accepted, reasonOf, refused, runRefOf, type Answer, type GatewayDeps } from './deps.js';

/**
 * `POST /api/v1/runs/{run_id}/reports`: a phase or a status line of the agent. Stored once per (run, type, seq),
 * then published as its event (a deterministic id: a retried report republishes the same message, which JetStream
 * and flow_events keep once). A second `finished` with another exit code is a 409 and changes nothing.
 */
export async function handleReport(deps: GatewayDeps, agent: AgentIdentity, body: unknown): Promise<Answer> {
  const parsed = AgentReportRequest.safeParse(body);
  if (!parsed.success) return refused(400, reasonOf(parsed.error));
  const r = parsed.data;
  const seq = r.type === 'status' ? (r.seq ?? 0) : 0;
  const stored = await recordAgentReport(deps.db, {
    run_id: agent.run_id,
    type: r.type,
    seq,
    message: r.message ?? null,
    exit_code: r.exit_code ?? null,
    summary: r.summary ?? null,
  });
  if (stored === 'conflict') return refused(409, r.type === 'status' ? `status line ${seq} was already reported with another text` : `${r.type} was already reported with other values`);
  const cause = { correlationId: agent.correlation_id };
  const ref = runRefOf(agent);
  const out = { runId: agent.run_id, idParts: [seq] };
  if (r.type === 'started') await publishCaused(deps.bus, AgentStartedV1, cause, { ...out, data: { ...ref, message: r.message ?? null } });
  if (r.type === 'ready') await publishCaused(deps.bus, AgentReadyV1, cause, { ...out, data: { ...ref, message: r.message ?? null } });
  if (r.type === 'status') await publishCaused(deps.bus, AgentStatusReportedV1, cause, { ...out, data: { ...ref, seq, message: r.message ?? '' } });
  if (r.type === 'finished') {
    const exit = r.exit_code ?? 0;
    await publishCaused(deps.bus, AgentFinishedV1, cause, { ...out, data: { ...ref, exit_code: exit, status: exit === 0 ? 'succeeded' : 'failed', summary: r.summary ?? null } });
  }
  return accepted(stored === 'duplicate');
}
