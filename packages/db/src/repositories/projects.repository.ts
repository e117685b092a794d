import { sql } from 'kysely';
import type { Db } from '../database.js';
import type { MemberRole, ProjectRow, RepositoryRow } from '../tables/platform.table.js';

/**
 * Creates the project or updates its name; the id is given (stable across environments). `settings` keys given
 * are merged into the stored settings.
 */
export async function upsertProject(db: Db, p: { id: string; slug: string; name: string; settings?: Record<string, unknown> }): Promise<ProjectRow> {
  const settings = JSON.stringify(p.settings ?? {});
  return db
    .insertInto('projects')
    .values({ id: p.id, slug: p.slug, name: p.name, settings })
    .onConflict((oc) => oc.column('slug').doUpdateSet({ name: p.name, settings: sql`projects.settings || ${settings}::jsonb` as never, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findProjectBySlug(db: Db, slug: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Binds a GitHub repository (by its numeric id) to a project; re-binding updates it. */
export async function bindRepository(
  db: Db,
  r: { projectId: string; externalId: number; owner: string; name: string; cloneUrl: string; servicesYamlPath?: string; defaultRef?: string },
): Promise<RepositoryRow> {
  const values = {
    project_id: r.projectId,
    provider: 'github' as const,
    external_id: r.externalId,
    owner: r.owner,
    name: r.name,
    clone_url: r.cloneUrl,
    services_yaml_path: r.servicesYamlPath ?? 'services.yaml',
    default_ref: r.defaultRef ?? 'main',
  };
  return db
    .insertInto('repositories')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['provider', 'external_id']).doUpdateSet({
        project_id: values.project_id,
        owner: values.owner,
        name: values.name,
        clone_url: values.clone_url,
        services_yaml_path: values.services_yaml_path,
        default_ref: values.default_ref,
        updated_at: sql`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The project a GitHub repository id is bound to, with the binding row. */
export async function findBinding(db: Db, externalId: number): Promise<{ project: ProjectRow; repository: RepositoryRow } | undefined> {
  const repository = await db.selectFrom('repositories').selectAll().where('provider', '=', 'github').where('external_id', '=', String(externalId) as never).executeTakeFirst();
  if (!repository) return undefined;
  const project = await db.selectFrom('projects').selectAll().where('id', '=', repository.project_id).executeTakeFirstOrThrow();
  return { project, repository };
}

/** Adds (or changes) a member by GitHub login; creates the user row when new. */
export async function addMember(db: Db, m: { projectId: string; login: string; role: MemberRole; platformAdmin?: boolean }): Promise<void> {
  const login = m.login.toLowerCase();
  await db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({ github_login: login, is_platform_admin: m.platformAdmin ?? false })
      .onConflict((oc) => oc.column('github_login').doUpdateSet(m.platformAdmin === undefined ? { github_login: login } : { is_platform_admin: m.platformAdmin }))
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('project_members')
      .values({ project_id: m.projectId, user_id: user.id, role: m.role })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role: m.role }))
      .execute();
  });
}

/** What the platform knows about a sender: absent, platform admin, and the role in the project (if any). */
export async function findSender(db: Db, projectId: string, login: string): Promise<{ platformAdmin: boolean; role: MemberRole | null } | undefined> {
  const row = await db
    .selectFrom('users')
    .leftJoin('project_members', (j) => j.onRef('project_members.user_id', '=', 'users.id').on('project_members.project_id', '=', projectId))
    .select(['users.is_platform_admin', 'project_members.role'])
    .where('users.github_login', '=', login.toLowerCase())
    .executeTakeFirst();
  return row ? { platformAdmin: row.is_platform_admin, role: row.role ?? null } : undefined;
}

/** A project's binding of one repository by `owner/name`, if it still exists. */
export async function findProjectRepository(db: Db, projectId: string, fullName: string): Promise<RepositoryRow | undefined> {
  const [owner = '', name = ''] = fullName.split('/');
  return db.selectFrom('repositories').selectAll().where('project_id', '=', projectId).where('owner', '=', owner).where('name', '=', name).executeTakeFirst();
}
