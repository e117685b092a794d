import { RunStatusCommentUpsertedV1, deterministicId, type Envelope } from '@codex-k8s/contracts';
import { runCommentTarget, saveCommentState, withCommentRow } from '@codex-k8s/db';
import { sendIfChanged } from './comment-sync.js';
import type { ReporterDeps } from './deps.js';
import { renderStatusBody, statusMarker } from './status-body.js';
import type { StatusRoute } from './status-events.js';
import { mergeStatus, parseFacts, phaseAt } from './status-facts.js';

/**
 * A run event: merges what it says into the run's comment state and makes GitHub show the result, in one
 * transaction holding the comment's lock (the two replicas never write one comment at once). The body is rendered
 * from the merged state, so it shows the newest phase whatever order the events come in; an event that changes the
 * body sends it (create, edit, or find by marker and edit), one that does not sends nothing. When GitHub fails, the
 * merged state is still committed and the error rethrown: the bus retries with backoff and the first retry that
 * gets through sends the newest body (updates missed during an outage are coalesced). Runs without an issue are
 * left alone.
 * @throws whatever GitHub answered (RetryAfter for a rate limit), after the state is saved.
 */
export async function handleStatusEvent(deps: ReporterDeps, route: StatusRoute, e: Envelope<unknown>): Promise<void> {
  const runId = (e.data as { run_id: string }).run_id;
  const run = await runCommentTarget(deps.db, runId);
  if (!run) return;
  if (!deps.writer.reaches(run.installationId)) {
    // A delivery that did not come through the App (a repository webhook): the App cannot write there.
    deps.log.debug({ run: runId }, 'no GitHub App installation for this run; no status comment');
    return;
  }
  const key = `run/${runId}`;
  const update = route.update(e.data, e.time);
  const result = await withCommentRow(deps.db, key, run, async (trx, row) => {
    const before = { phase: row.phase, facts: parseFacts(row.facts) };
    const merged = mergeStatus(before, update);
    if (JSON.stringify(merged) !== JSON.stringify(before)) await saveCommentState(trx, key, merged);
    const body = renderStatusBody({
      runId,
      repositoryFullName: run.repositoryFullName,
      triggerLabel: run.triggerLabel,
      runtimeMode: run.runtimeMode,
      slotRun: run.runtimeDeploy,
      createdAt: run.createdAt,
      phase: merged.phase,
      facts: merged.facts,
      consoleUrl: deps.consoleUrl,
      githubWebUrl: deps.githubWebUrl,
    });
    try {
      const written = await sendIfChanged(deps.writer, trx, row, {
        key,
        target: run,
        marker: statusMarker(runId),
        body,
        announce: (w, sha) =>
          deps.bus
            .publish(RunStatusCommentUpsertedV1, {
              id: deterministicId(RunStatusCommentUpsertedV1.type, key, sha),
              correlationId: e.correlationid,
              causationId: e.id,
              subject: key,
              data: {
                run_id: runId,
                project_id: (e.data as { project_id: string }).project_id,
                runtime_mode: run.runtimeMode ?? 'code-only',
                namespace: merged.facts.namespace,
                repository_full_name: run.repositoryFullName,
                issue_number: run.issueNumber,
                phase: phaseAt(merged.phase),
                comment_id: w.commentId,
                comment_url: w.commentUrl,
                action: w.action,
                dry_run: deps.writer.dryRun,
                body,
              },
            })
            .then(() => undefined),
      });
      return written ? { sent: true as const, action: written.action, phase: phaseAt(merged.phase) } : { sent: false as const };
    } catch (err) {
      // Commit the merged state anyway; the retry renders from it.
      return { sent: false as const, error: err };
    }
  });
  if ('error' in result) throw result.error;
  if (result.sent) deps.log.info({ run: runId, phase: result.phase, action: result.action }, 'status comment written');
}
