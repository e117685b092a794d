import { StatusChip } from '../../components/Chip.js';
import { ExtLink } from '../../components/ExtLink.js';
import { Time } from '../../components/Time.js';
import { duration, now, runDuration, shortId } from '../../format.js';
import { navigate } from '../../router.js';
import type { RunSummary } from '../../types.js';

const Dash = () => <span class="muted">—</span>;

/** A click anywhere on a row (not on a link, not ending a text selection) opens the run, like its title link. */
function openRow(e: MouseEvent, href: string): void {
  const onLink = e.target instanceof Element && e.target.closest('a');
  if (!onLink && e.button === 0 && !getSelection()?.toString()) navigate(href);
}

/** One run: a table row on a desktop, a card on a phone; the whole row opens the run. */
export function RunRow({ run }: { run: RunSummary }) {
  const ms = runDuration(run, now.value);
  const href = `/runs/${run.id}`;
  return (
    <tr data-run-id={run.id} class="run-row" onClick={(e) => openRow(e, href)}>
      <td class="c-status">
        <StatusChip status={run.status} />
      </td>
      <td class="c-title">
        <a class="row-link" href={href} title={run.issue_title ?? undefined}>
          {run.issue_title ?? `Run ${shortId(run.id)}`}
        </a>
      </td>
      <td class="c-project" data-label="Project">
        {run.project.slug}
      </td>
      <td class="c-trigger" data-label="Trigger" title={run.trigger_label ?? undefined}>
        {run.trigger_label ? <code>{run.trigger_label}</code> : <Dash />}
      </td>
      <td class="c-issue" data-label="Issue">
        {run.issue_number === null ? <Dash /> : run.issue_url ? <ExtLink href={run.issue_url}>#{run.issue_number}</ExtLink> : `#${run.issue_number}`}
      </td>
      <td class="c-repo" data-label="Repository" title={run.repository_full_name ?? undefined}>
        {run.repository_full_name ?? <Dash />}
      </td>
      <td class="c-ns" data-label="Namespace" title={run.namespace ?? undefined}>
        {run.namespace ? <code>{run.namespace}</code> : <Dash />}
      </td>
      <td class="c-created" data-label="Created">
        <Time iso={run.created_at} />
      </td>
      <td class="c-duration" data-label="Duration">
        {ms === null ? <Dash /> : duration(ms)}
      </td>
    </tr>
  );
}
