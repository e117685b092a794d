import { useId, useState } from 'preact/hooks';
import { api, messageOf } from '../../api.js';
import { ErrorNote, MoreButton } from '../../components/Status.js';
import { Time } from '../../components/Time.js';
import { pretty } from '../../format.js';
import type { Paged } from '../../hooks.js';
import type { EventDetail, EventSummary } from '../../types.js';
import { Section } from './Section.js';

/** Adds events not yet listed, newest (highest position) first. */
export function mergeEvents(items: EventSummary[], incoming: EventSummary[]): EventSummary[] {
  const known = new Set(items.map((e) => e.id));
  const added = incoming.filter((e) => !known.has(e.id));
  if (added.length === 0) return items;
  // Positions are decimal strings: a longer one is larger, equal lengths compare as text.
  return [...added, ...items].sort((a, b) => b.id.length - a.id.length || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0));
}

function EventRow({ runId, event, fresh }: { runId: string; event: EventSummary; fresh: boolean }) {
  const [open, setOpen] = useState(false);
  const [detail, setDetail] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const panel = useId();
  const toggle = (): void => {
    setOpen(!open);
    if (open || detail) return;
    setError(null);
    void api.event(runId, event.id).then(setDetail, (err: unknown) => setError(messageOf(err)));
  };
  return (
    <li class={fresh ? 'event fresh' : 'event'} data-event-type={event.event_type}>
      <button type="button" class="event-head" aria-expanded={open} aria-controls={panel} onClick={toggle}>
        <span class="caret" aria-hidden="true" />
        <code class="event-type">{event.event_type}</code>
        <span class="event-actor">{event.actor_id ? `${event.actor_type}: ${event.actor_id}` : event.actor_type}</span>
        <Time iso={event.occurred_at} />
      </button>
      {open ? (
        <div id={panel} class="event-body">
          <ErrorNote message={error} />
          {detail ? (
            <>
              <dl class="event-meta">
                <dt>subject</dt>
                <dd>
                  <code>{detail.subject}</code>
                </dd>
                <dt>event id</dt>
                <dd>
                  <code>{detail.event_id}</code>
                </dd>
                <dt>causation</dt>
                <dd>
                  <code>{detail.causation_id ?? '—'}</code>
                </dd>
              </dl>
              <pre class="payload">{pretty(detail.payload)}</pre>
            </>
          ) : error ? null : (
            <p class="muted">Loading payload…</p>
          )}
        </div>
      ) : null}
    </li>
  );
}

/** The run's events, newest first; new ones arrive on top while the list keeps its height. */
export function Events({ runId, events, fresh }: { runId: string; events: Paged<EventSummary>; fresh: ReadonlySet<string> }) {
  return (
    <Section id="events" title="Events" extra={<span class="muted count">{events.items.length}{events.next ? '+' : ''}</span>}>
      <ErrorNote message={events.error} />
      <div class="events-box" role="region" tabIndex={0} aria-label="Events, newest first">
        <ol class="events">
          {events.items.map((e) => (
            <EventRow key={e.id} runId={runId} event={e} fresh={fresh.has(e.id)} />
          ))}
        </ol>
        {!events.loading && events.items.length === 0 ? <p class="muted">No events yet.</p> : null}
        <MoreButton next={events.next} loading={events.loading} onMore={events.more} label="Older events" />
      </div>
    </Section>
  );
}
