import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunFilter } from '../../api.js';
import { ProjectSelect } from '../../components/ProjectSelect.js';
import { setQuery } from '../../router.js';
import type { StaffProject } from '../../types.js';
import { STATUSES } from './filters.js';

type TextKey = 'trigger' | 'issue' | 'q';

/** The filter bar; the URL query is the truth (selects apply at once, text fields after a pause or Enter). */
export function RunFilters({ filter, projects }: { filter: RunFilter; projects: StaffProject[] }) {
  const [text, setText] = useState({ trigger: filter.trigger ?? '', issue: filter.issue ?? '', q: filter.q ?? '' });
  const timer = useRef<ReturnType<typeof setTimeout>>();
  // Back/forward or a link changed the URL: show what it holds.
  useEffect(() => {
    const from = (was: string, now: string | undefined): string => (was.trim() === (now ?? '') ? was : (now ?? ''));
    setText((t) => ({ trigger: from(t.trigger, filter.trigger), issue: from(t.issue, filter.issue), q: from(t.q, filter.q) }));
  }, [filter.trigger, filter.issue, filter.q]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const apply = (next: RunFilter): void => {
    clearTimeout(timer.current);
    setQuery({ ...next });
  };
  const typed = (key: TextKey, value: string): void => {
    const next = { ...text, [key]: value };
    setText(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => apply({ ...filter, ...next }), 400);
  };
  const field = (key: TextKey, label: string, extra: JSX.InputHTMLAttributes<HTMLInputElement>) => (
    <label class="field">
      <span>{label}</span>
      <input value={text[key]} onInput={(e) => typed(key, e.currentTarget.value)} {...extra} />
    </label>
  );
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter runs"
      onSubmit={(e) => {
        e.preventDefault();
        apply({ ...filter, ...text });
      }}
    >
      <ProjectSelect projects={projects} value={filter.project ?? ''} onChange={(project) => apply({ ...filter, ...text, project })} />
      <label class="field">
        <span>Status</span>
        <select value={filter.status ?? ''} onChange={(e) => apply({ ...filter, ...text, status: e.currentTarget.value })}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {field('trigger', 'Trigger', { placeholder: 'run:dev', spellcheck: false, autocapitalize: 'off' })}
      {field('issue', 'Issue', { type: 'number', min: '1', inputmode: 'numeric', placeholder: '#' })}
      {field('q', 'Search', { type: 'search', placeholder: 'id or namespace', spellcheck: false, autocapitalize: 'off' })}
      <div class="filter-buttons">
        <button type="submit">Apply</button>
        <button type="button" class="link-button" onClick={() => apply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
