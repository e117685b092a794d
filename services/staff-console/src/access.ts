import type { StaffProject } from '@codex-k8s/db';

/** What the caller may see and do: their login, whether they are a platform admin, their projects and roles. */
export interface Access {
  readonly login: string;
  readonly session: string | null;
  readonly platformAdmin: boolean;
  readonly projects: readonly StaffProject[];
}

/** A refusal as the API answers it. */
export interface Denied {
  readonly status: 403;
  readonly reason: string;
}

/**
 * The project ids a list may read (null: every project, for platform admins), or a refusal when the caller asked
 * for a project they are not a member of. The refusal reads the same whether the project exists or not. Pure.
 */
export function scopeOf(a: Access, slug: string | undefined): { ids: readonly string[] | null } | Denied {
  if (slug === undefined) return { ids: a.platformAdmin ? null : a.projects.map((p) => p.id) };
  const p = a.projects.find((x) => x.slug === slug);
  return p ? { ids: [p.id] } : { status: 403, reason: `not a member of project ${slug}` };
}

/** Whether the caller may see a project's runs. Pure. */
export function canSee(a: Access, projectId: string | null): boolean {
  return a.platformAdmin || a.projects.some((p) => p.id === projectId);
}

/** Whether the caller may act on a project's runs: its admins and platform admins (read_write and read_only members only see). Pure. */
export function canAct(a: Access, projectId: string | null): boolean {
  return a.platformAdmin || a.projects.some((p) => p.id === projectId && p.role === 'admin');
}
