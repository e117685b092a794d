import { createHash } from 'node:crypto';
import type { IgnoreReason, WebhookIgnoredData } from '@codex-k8s/contracts';
import { codeSpan, mention } from './markdown.js';

/** The ignore reasons a person hears about on the issue; every other reason stays silent. */
export const REPLIED_REASONS: ReadonlySet<IgnoreReason> = new Set<IgnoreReason>([
  'issue_trigger_label_conflict',
  'sender_not_allowed',
  'sender_not_project_member',
  'sender_role_read_only_not_permitted',
]);

/**
 * What a reply is about: the issue, the reason, and the conflicting labels or the sender. A second delivery with the
 * same story (two labels added one after the other) finds the same reply instead of posting another. Pure.
 */
export function replySubject(d: Pick<WebhookIgnoredData, 'reason' | 'conflicting_labels' | 'sender_login' | 'issue_number' | 'repository_full_name'>): string {
  const detail = d.reason === 'issue_trigger_label_conflict' ? [...d.conflicting_labels].map((l) => l.toLowerCase()).sort().join('\n') : (d.sender_login ?? '').toLowerCase();
  const id = createHash('sha256').update([d.repository_full_name?.toLowerCase() ?? '', String(d.issue_number), d.reason, detail].join('\u0000')).digest('hex').slice(0, 32);
  return `reply/${id}`;
}

/** The hidden marker of a reply, from its subject. Pure. */
export const replyMarker = (subject: string): string => `<!-- codex-k8s:ignored:${subject.slice('reply/'.length)} -->`;

const WHY: Partial<Record<IgnoreReason, string>> = {
  sender_not_allowed: 'is not a user of this platform',
  sender_not_project_member: 'is not a member of this project',
  sender_role_read_only_not_permitted: 'has a read-only role in this project',
};

/**
 * The reply to an ignored trigger, or null when the reason stays silent or the delivery names no issue (pure).
 * Labels and the login come from GitHub: labels are code, the login is mentioned only when it is a valid login.
 */
export function renderReplyBody(d: Pick<WebhookIgnoredData, 'reason' | 'label' | 'conflicting_labels' | 'sender_login' | 'issue_number' | 'repository_full_name'>): string | null {
  if (!REPLIED_REASONS.has(d.reason) || d.issue_number === null || d.repository_full_name === null) return null;
  const lines = [replyMarker(replySubject(d))];
  if (d.reason === 'issue_trigger_label_conflict') {
    const labels = d.conflicting_labels.slice(0, 20).map((l) => codeSpan(l, 100)).join(', ');
    lines.push(
      `**codex-k8s did not start a run:** this issue carries more than one run label (${labels || 'several run labels'}).`,
      '',
      'Keep exactly one `run:*` label on the issue, then add it again to start the run.',
    );
  } else {
    const who = mention(d.sender_login) ?? (d.sender_login ? codeSpan(d.sender_login, 40) : 'the sender');
    const label = d.label ? ` for ${codeSpan(d.label, 100)}` : '';
    lines.push(
      `**codex-k8s did not start a run${label}:** ${who} ${WHY[d.reason] ?? 'may not start runs here'}.`,
      '',
      'Runs start for project members with the `admin` or `read_write` role. Ask a project admin to add you, then add the label again.',
    );
  }
  return lines.join('\n');
}
