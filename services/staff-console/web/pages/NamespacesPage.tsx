import { api } from '../api.js';
import { StateChip, StatusChip } from '../components/Chip.js';
import { Empty, MoreButton } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { duration, shortId } from '../format.js';
import { usePaged } from '../hooks.js';
import { Dash, ListPage, projectParam, Table } from './ListPage.js';

const HEAD = ['Namespace', 'Project', 'Purpose', 'Run', 'Run status', 'Created', 'Age', 'State'];

/** `/namespaces`: the namespaces the platform made, newest first. */
export function NamespacesPage() {
  const project = projectParam();
  const list = usePaged((cursor) => api.namespaces(project || undefined, cursor), project);
  return (
    <ListPage title="Namespaces" withProject error={list.error}>
      <Table label="Namespaces" head={HEAD}>
        {list.items.map((n) => (
          <tr key={n.namespace} data-namespace={n.namespace}>
            <td data-label="Namespace">
              <code>{n.namespace}</code>
            </td>
            <td data-label="Project">{n.project.slug}</td>
            <td data-label="Purpose">{n.purpose}</td>
            <td data-label="Run">{n.run_id ? <a href={`/runs/${n.run_id}`}>{shortId(n.run_id)}</a> : <Dash />}</td>
            <td data-label="Run status">
              <StatusChip status={n.run_status} />
            </td>
            <td data-label="Created">
              <Time iso={n.created_at} />
            </td>
            <td data-label="Age">{duration(n.age_seconds * 1_000)}</td>
            <td data-label="State">
              <StateChip state={n.state} />
            </td>
          </tr>
        ))}
      </Table>
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>No namespaces.</Empty> : null}
      <MoreButton next={list.next} loading={list.loading} onMore={list.more} label="More namespaces" />
    </ListPage>
  );
}
