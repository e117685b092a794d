import { WebhookIgnoredRepliedV1, deterministicId, type Envelope, type WebhookIgnoredData } from '@codex-k8s/contracts';
import { withCommentRow } from '@codex-k8s/db';
import { sendIfChanged } from './comment-sync.js';
import type { ReporterDeps } from './deps.js';
import { renderReplyBody, replyMarker, replySubject } from './reply-body.js';

/**
 * `webhook.ignored`: tells the person on the issue why their label started no run, for a label conflict or a
 * sender without permission (renderReplyBody); other reasons stay silent. One reply per issue and story (the same
 * conflicting labels, the same sender): its row (keyed by replySubject) remembers it was sent, and its marker finds
 * it again if that record was lost; a redelivered event or a second delivery with the same story posts nothing.
 * @throws whatever GitHub answered (RetryAfter for a rate limit); the bus retries.
 */
export async function handleIgnored(deps: ReporterDeps, e: Envelope<WebhookIgnoredData>): Promise<void> {
  const d = e.data;
  const body = renderReplyBody(d);
  if (body === null || d.repository_full_name === null || d.issue_number === null || !deps.writer.reaches(d.installation_id)) return;
  const key = replySubject(d);
  const target = { repositoryFullName: d.repository_full_name, issueNumber: d.issue_number, installationId: d.installation_id };
  const written = await withCommentRow(deps.db, key, target, (trx, row) =>
    sendIfChanged(deps.writer, trx, row, {
      key,
      target,
      marker: replyMarker(key),
      body,
      announce: (w) =>
        deps.bus
          .publish(WebhookIgnoredRepliedV1, {
            id: deterministicId(WebhookIgnoredRepliedV1.type, d.delivery_id),
            correlationId: e.correlationid,
            causationId: e.id,
            subject: `delivery/${d.delivery_id}`,
            data: {
              delivery_id: d.delivery_id,
              reason: d.reason,
              repository_full_name: target.repositoryFullName,
              issue_number: target.issueNumber,
              comment_id: w.commentId,
              comment_url: w.commentUrl,
              action: w.action,
              dry_run: deps.writer.dryRun,
              body,
            },
          })
          .then(() => undefined),
    }),
  );
  if (written) deps.log.info({ delivery: d.delivery_id, reason: d.reason, action: written.action }, 'ignored trigger answered on the issue');
}
