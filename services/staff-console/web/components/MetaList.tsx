import type { ComponentChildren } from 'preact';

/** One labelled fact of a details block. */
export type MetaRow = [label: string, value: ComponentChildren];

/** A block of labelled facts (run header, deploy task): a description list, one row per fact. */
export function MetaList({ rows, compact = false }: { rows: readonly MetaRow[]; compact?: boolean }) {
  return (
    <dl class={compact ? 'meta compact' : 'meta'}>
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
