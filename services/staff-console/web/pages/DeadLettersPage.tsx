import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ActionResult, useListAction, type ActionOutcome } from '../components/ActionResult.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { Empty, MoreButton } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { pretty } from '../format.js';
import { usePaged } from '../hooks.js';
import { currentSession } from '../session.js';
import type { DeadLetterView, RetryResponse } from '../types.js';
import { Dash, ListPage, Table } from './ListPage.js';

const HEAD = ['Created', 'Consumer', 'Reason', 'Deliveries', 'Original event', 'Correlation', 'Payload'];

const NOT_RETRIABLE = 'no event to publish again';

function retryOutcome(res: RetryResponse): ActionOutcome {
  return res.outcome === 'retried'
    ? { kind: 'ok', text: `Published again to ${res.original_subject}.` }
    : { kind: 'pending', text: 'Requested: waiting for audit-writer to confirm.' };
}

interface RowProps {
  d: DeadLetterView;
  withAction: boolean;
  busy: boolean;
  onRetry: (d: DeadLetterView) => void;
}

function DeadLetterRow({ d, withAction, busy, onRetry }: RowProps) {
  const retriable = d.original_subject !== null && d.original_type !== null;
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
      {withAction ? (
        <td data-label="Action" class="action-cell">
          <div class="row-action">
            <button type="button" data-action="retry" disabled={!retriable || busy} title={retriable ? undefined : NOT_RETRIABLE} onClick={() => onRetry(d)}>
              Retry
            </button>
            {retriable ? null : <span class="reason">{NOT_RETRIABLE}</span>}
            {d.retried_at ? (
              <span class="reason" data-testid="retried">
                retried <Time iso={d.retried_at} />
              </span>
            ) : null}
          </div>
        </td>
      ) : null}
    </tr>
  );
}

/** The confirmation of a retry: what is published where. */
function RetryDialog({ asking, onConfirm, onClose }: { asking: DeadLetterView | null; onConfirm: (d: DeadLetterView) => void; onClose: () => void }) {
  return (
    <ConfirmDialog
      open={asking !== null}
      title={asking ? `Publish the original ${asking.original_type ?? ''} to ${asking.original_subject ?? ''} again?` : ''}
      confirmLabel="Publish again"
      onConfirm={() => asking && onConfirm(asking)}
      onClose={onClose}
    >
      <p>
        audit-writer publishes the recorded event{asking?.original_event_id ? <> <code>{asking.original_event_id}</code></> : null} once more, as it was recorded; its consumers handle it again.
      </p>
    </ConfirmDialog>
  );
}

/** `/dead-letters`: messages no consumer could handle (platform admins only; others see the server's refusal). */
export function DeadLettersPage() {
  const session = currentSession();
  const list = usePaged((cursor) => api.deadLetters(cursor), '');
  const [asking, setAsking] = useState<DeadLetterView | null>(null);
  const action = useListAction();
  const withAction = session.platform_admin;

  const retry = (d: DeadLetterView): void =>
    action.perform(`Publishing again to ${d.original_subject ?? 'its subject'}…`, () => api.retry(d.id, session.csrf_token), retryOutcome, list.reload);
  const shown = !list.error || list.items.length > 0;
  return (
    <ListPage title="Dead letters" withProject={false} error={list.error}>
      {withAction && shown ? <ActionResult result={action.result} /> : null}
      {shown ? (
        <Table label="Dead letters" head={withAction ? [...HEAD, 'Action'] : HEAD}>
          {list.items.map((d) => (
            <DeadLetterRow key={d.id} d={d} withAction={withAction} busy={action.busy} onRetry={setAsking} />
          ))}
        </Table>
      ) : null}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>No dead letters.</Empty> : null}
      <MoreButton next={list.next} loading={list.loading} onMore={list.more} label="More dead letters" />
      <RetryDialog asking={asking} onConfirm={retry} onClose={() => setAsking(null)} />
    </ListPage>
  );
}
