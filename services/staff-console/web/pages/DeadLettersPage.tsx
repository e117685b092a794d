import { api } from '../api.js';
import { Empty, MoreButton } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { pretty } from '../format.js';
import { usePaged } from '../hooks.js';
import type { DeadLetterView } from '../types.js';
import { Dash, ListPage, Table } from './ListPage.js';

const HEAD = ['Created', 'Consumer', 'Reason', 'Deliveries', 'Original event', 'Correlation', 'Payload'];

function DeadLetterRow({ d }: { d: DeadLetterView }) {
  return (
    <tr data-dead-letter={d.id}>
      <td data-label="Created">
        <Time iso={d.created_at} />
      </td>
      <td data-label="Consumer">
        <code>
          {d.stream}/{d.consumer}
        </code>
      </td>
      <td data-label="Reason" class="wrap">
        <strong>{d.reason}</strong>
        {d.detail ? <div class="muted">{d.detail}</div> : null}
      </td>
      <td data-label="Deliveries" class="num">
        {d.deliveries}
      </td>
      <td data-label="Original event" class="wrap">
        {d.original_type ? <code>{d.original_type}</code> : <Dash />}
        {d.original_subject ? <div class="muted">{d.original_subject}</div> : null}
      </td>
      <td data-label="Correlation">
        <code>{d.correlation_id}</code>
      </td>
      <td data-label="Payload">
        <details>
          <summary>Show</summary>
          <pre class="payload">{pretty(d.payload)}</pre>
        </details>
      </td>
    </tr>
  );
}

/** `/dead-letters`: messages no consumer could handle (platform admins only; others see the server's refusal). */
export function DeadLettersPage() {
  const list = usePaged((cursor) => api.deadLetters(cursor), '');
  return (
    <ListPage title="Dead letters" withProject={false} error={list.error}>
      {list.error ? null : (
        <Table label="Dead letters" head={HEAD}>
          {list.items.map((d) => (
            <DeadLetterRow key={d.id} d={d} />
          ))}
        </Table>
      )}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>No dead letters.</Empty> : null}
      <MoreButton next={list.next} loading={list.loading} onMore={list.more} label="More dead letters" />
    </ListPage>
  );
}
