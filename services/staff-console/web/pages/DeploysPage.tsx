import { api } from '../api.js';
import { StatusChip } from '../components/Chip.js';
import { ExtLink } from '../components/ExtLink.js';
import { Empty, MoreButton } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { shortId } from '../format.js';
import { usePaged } from '../hooks.js';
import type { DeployTaskRow } from '../types.js';
import { Dash, ListPage, projectParam, Table } from './ListPage.js';

const HEAD = ['Run', 'Project', 'Slot', 'Build', 'Commit', 'URL', 'Status', 'Attempts', 'Created', 'Last error'];

function DeployRow({ d }: { d: DeployTaskRow }) {
  return (
    <tr data-deploy={d.run_id}>
      <td data-label="Run">
        <a href={`/runs/${d.run_id}`}>{shortId(d.run_id)}</a>
      </td>
      <td data-label="Project">{d.project.slug}</td>
      <td data-label="Slot">
        #{d.slot_no} <code>{d.namespace}</code>
      </td>
      <td data-label="Build">
        <code>{d.build_ref}</code>
      </td>
      <td data-label="Commit">{d.commit_sha ? <code title={d.commit_sha}>{d.commit_sha.slice(0, 8)}</code> : <Dash />}</td>
      <td data-label="URL">{d.public_url ? <ExtLink href={d.public_url}>{d.host ?? d.public_url}</ExtLink> : <Dash />}</td>
      <td data-label="Status">
        <StatusChip status={d.status} />
      </td>
      <td data-label="Attempts" class="num">
        {d.attempts}
      </td>
      <td data-label="Created">
        <Time iso={d.created_at} />
      </td>
      <td data-label="Last error" class="wrap">
        {d.last_error ?? <Dash />}
      </td>
    </tr>
  );
}

/** `/deploys`: the slots' deploy tasks, newest first. */
export function DeploysPage() {
  const project = projectParam();
  const list = usePaged((cursor) => api.deployTasks(project || undefined, cursor), project);
  return (
    <ListPage title="Deploys" withProject error={list.error}>
      <Table label="Deploy tasks" head={HEAD}>
        {list.items.map((d) => (
          <DeployRow key={d.run_id} d={d} />
        ))}
      </Table>
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>No deploy tasks.</Empty> : null}
      <MoreButton next={list.next} loading={list.loading} onMore={list.more} label="More deploys" />
    </ListPage>
  );
}
