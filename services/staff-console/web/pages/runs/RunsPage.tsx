import { useEffect, useMemo } from 'preact/hooks';
import { api, type RunFilter } from '../../api.js';
import { Empty, ErrorNote, MoreButton } from '../../components/Status.js';
import { usePaged, useTitle } from '../../hooks.js';
import { route } from '../../router.js';
import { currentSession } from '../../session.js';
import { openStream } from '../../sse.js';
import type { RunSummary } from '../../types.js';
import { filterOf, mergeRun } from './filters.js';
import { RunFilters } from './RunFilters.js';
import { RunRow } from './RunRow.js';

const COLUMNS: readonly [string, string][] = [
  ['status', 'Status'],
  ['title', 'Run'],
  ['project', 'Project'],
  ['trigger', 'Trigger'],
  ['issue', 'Issue'],
  ['repo', 'Repository'],
  ['ns', 'Namespace'],
  ['created', 'Created'],
  ['duration', 'Duration'],
];

/** `/`: the runs, newest first, filtered by the URL query and kept live by the stream. */
export function RunsPage() {
  useTitle('Runs');
  const session = currentSession();
  const keyText = JSON.stringify(filterOf(route.value.query));
  const filter = useMemo((): RunFilter => JSON.parse(keyText) as RunFilter, [keyText]);
  const runs = usePaged((cursor) => api.runs(filter, cursor), keyText);

  useEffect(() => {
    const merge = (run: RunSummary): void => runs.setItems((items) => mergeRun(items, run, filter));
    // After the stream was down, the first page is read again and merged (rows further down stay as they are).
    const resync = (): void => void api.runs(filter).then((page) => page.items.reverse().forEach(merge), () => undefined);
    return openStream({ project: filter.project }, { onRun: merge, onResync: resync });
  }, [filter, runs.setItems]);

  return (
    <main id="main" tabIndex={-1} class="page">
      <h1>Runs</h1>
      <RunFilters filter={filter} projects={session.projects} />
      <ErrorNote message={runs.error} />
      <div class="table-wrap runs-wrap" aria-busy={runs.loading}>
        <table class="runs">
          <caption class="offscreen">Runs, newest first; new runs appear on top as they start</caption>
          <thead>
            <tr>
              {COLUMNS.map(([cls, label]) => (
                <th key={cls} scope="col" class={`c-${cls}`}>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {runs.items.map((run) => (
              <RunRow key={run.id} run={run} />
            ))}
          </tbody>
        </table>
      </div>
      {!runs.loading && !runs.error && runs.items.length === 0 ? <Empty>No runs match these filters.</Empty> : null}
      <MoreButton next={runs.next} loading={runs.loading} onMore={runs.more} label="Older runs" />
    </main>
  );
}
