import type { StaffProject } from '../types.js';

/** The project filter: every project the caller may see, or all of them. */
export function ProjectSelect({ projects, value, onChange }: { projects: StaffProject[]; value: string; onChange: (slug: string) => void }) {
  return (
    <label class="field">
      <span>Project</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">All projects</option>
        {projects.map((p) => (
          <option key={p.id} value={p.slug}>
            {p.name === p.slug ? p.slug : `${p.name} (${p.slug})`}
          </option>
        ))}
      </select>
    </label>
  );
}
