import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { Mono, StateChip, StatusChip } from '../components/Chip.js';
import { ExtLink } from '../components/ExtLink.js';
import { Empty } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { shortId } from '../format.js';
import type { SlotView } from '../types.js';
import { Dash, ListPage, projectParam, Table } from './ListPage.js';

const HEAD = ['Slot', 'State', 'Lease', 'Namespace', 'URL', 'Last run', 'Commit', 'Fingerprint', 'Deploy'];

function SlotRow({ s }: { s: SlotView }) {
  return (
    <tr data-slot={`${s.project.slug}/${s.slot_no}`}>
      <td data-label="Slot">
        {s.project.slug} <strong>#{s.slot_no}</strong>
      </td>
      <td data-label="State">
        <StateChip state={s.state} />
      </td>
      <td data-label="Lease">
        {s.lease_owner ? (
          <>
            <Mono value={s.lease_owner} /> until <Time iso={s.lease_until} />
          </>
        ) : (
          <Dash />
        )}
      </td>
      <td data-label="Namespace">{s.namespace ? <code>{s.namespace}</code> : <Dash />}</td>
      <td data-label="URL">
        {s.public_url ? (
          <ExtLink href={s.public_url} testId="slot-url">
            {s.host ?? s.public_url}
          </ExtLink>
        ) : (
          <Dash />
        )}
      </td>
      <td data-label="Last run">{s.last_run_id ? <a href={`/runs/${s.last_run_id}`}>{shortId(s.last_run_id)}</a> : <Dash />}</td>
      <td data-label="Commit">{s.last_commit_sha ? <code title={s.last_commit_sha}>{s.last_commit_sha.slice(0, 12)}</code> : <Dash />}</td>
      <td data-label="Fingerprint">{s.fingerprint ? <code title={s.fingerprint}>{s.fingerprint.slice(0, 12)}</code> : <Dash />}</td>
      <td data-label="Deploy">
        <StatusChip status={s.deploy_status} />
      </td>
    </tr>
  );
}

/** `/slots`: every slot of the visible projects. */
export function SlotsPage() {
  const project = projectParam();
  const [slots, setSlots] = useState<SlotView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setError(null);
    void api.slots(project || undefined).then(
      (r) => current && setSlots(r.items),
      (err: unknown) => current && setError(messageOf(err)),
    );
    return () => {
      current = false;
    };
  }, [project]);
  return (
    <ListPage title="Slots" withProject error={error}>
      <Table label="Slots" head={HEAD}>
        {slots?.map((s) => (
          <SlotRow key={`${s.project.id}/${s.slot_no}`} s={s} />
        ))}
      </Table>
      {slots?.length === 0 ? <Empty>No slots.</Empty> : null}
    </ListPage>
  );
}
