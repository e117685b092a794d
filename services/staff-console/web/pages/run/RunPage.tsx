import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf } from '../../api.js';
import { ErrorNote } from '../../components/Status.js';
import { isLive, shortId } from '../../format.js';
import { usePaged, useThrottled, useTitle } from '../../hooks.js';
import { openStream } from '../../sse.js';
import type { RunDetails } from '../../types.js';
import { Actions } from './Actions.js';
import { Artifacts } from './Artifacts.js';
import { Deploy } from './Deploy.js';
import { mergeEvents, Events } from './Events.js';
import { Logs } from './Logs.js';
import { RunHeader } from './RunHeader.js';
import { Runbook } from './Runbook.js';
import { Timeline } from './Timeline.js';

/** `/runs/{id}`: one run, kept live by the stream (details re-read at most once a second). */
export function RunPage({ id }: { id: string }) {
  const [run, setRun] = useState<RunDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const fresh = useRef(new Set<string>());
  const events = usePaged((before) => api.events(id, before), id);
  useTitle(run ? (run.issue_title ?? `Run ${shortId(run.id)}`) : 'Run');

  const refresh = useCallback(() => {
    const mine = ++seq.current;
    void api.run(id).then(
      (r) => {
        if (mine !== seq.current) return;
        setRun(r);
        setError(null);
      },
      (err: unknown) => {
        if (mine === seq.current) setError(messageOf(err));
      },
    );
  }, [id]);
  const refreshSoon = useThrottled(refresh, 1_000);

  useEffect(() => {
    setRun(null);
    refresh();
  }, [refresh]);

  useEffect(() => {
    const addEvents = events.setItems;
    return openStream(
      { run_id: id },
      {
        onRun: (summary) => {
          if (summary.id !== id) return;
          setRun((old) => old && { ...old, ...summary });
          refreshSoon();
        },
        onFlow: (event) => {
          fresh.current.add(event.id);
          addEvents((items) => mergeEvents(items, [event]));
          refreshSoon();
        },
        onResync: () => {
          refreshSoon();
          void api.events(id).then((page) => addEvents((items) => mergeEvents(items, page.items)), () => undefined);
        },
      },
    );
  }, [id, refreshSoon, events.setItems]);

  return (
    <main id="main" tabIndex={-1} class="page run-page" data-run-id={id}>
      <ErrorNote message={error} />
      {run ? (
        <>
          <RunHeader run={run}>
            <Actions run={run} onDone={refresh} />
          </RunHeader>
          <div class="run-grid">
            <Timeline run={run} />
            <Events runId={id} events={events} fresh={fresh.current} />
          </div>
          <Logs runId={id} live={isLive(run.status)} />
          <div class="run-grid">
            <Artifacts run={run} />
            <Deploy deploy={run.deploy} />
          </div>
          <Runbook commands={run.runbook} />
        </>
      ) : error ? null : (
        <p class="note muted" aria-busy="true">
          Loading run…
        </p>
      )}
    </main>
  );
}
