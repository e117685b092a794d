import type { ComponentChildren } from 'preact';
import { ProjectSelect } from '../components/ProjectSelect.js';
import { ErrorNote } from '../components/Status.js';
import { useTitle } from '../hooks.js';
import { route, setQuery } from '../router.js';
import { currentSession } from '../session.js';

/** The `project` filter of a list page, held in the URL query. */
export const projectParam = (): string => route.value.query.get('project') ?? '';

/** The frame of the simple list pages: title, optional project filter, error, table. */
export function ListPage({ title, withProject, error, children }: { title: string; withProject: boolean; error: string | null; children: ComponentChildren }) {
  useTitle(title);
  return (
    <main id="main" tabIndex={-1} class="page">
      <h1>{title}</h1>
      {withProject ? (
        <div class="filters single">
          <ProjectSelect projects={currentSession().projects} value={projectParam()} onChange={(project) => setQuery({ project })} />
        </div>
      ) : null}
      <ErrorNote message={error} />
      {children}
    </main>
  );
}

/** A table that becomes cards on a phone (each cell's `data-label` names it there). */
export function Table({ label, head, children }: { label: string; head: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table class="list">
        <caption class="offscreen">{label}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export const Dash = () => <span class="muted">—</span>;
