import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, upsertProject, type Db } from '@codex-k8s/db';

/**
 * The sample binding the fixture webhook (test/fixtures/issues-labeled.json) needs to become a run: repository
 * acme/shop (GitHub id 987654321) bound to project `shop`, sender alice a project admin. Idempotent.
 * The same as `npm run admin -- project add shop && ... repo bind ... && ... member add alice ...`.
 * With `slotsFrom` (a repository URL holding test/fixtures/sample-project) the project runs full-env runs in slots;
 * `slug` and `name` give it another identity (a test's own project, its slots named after it).
 */
export async function seedSampleProject(db: Db, opts: { slotsFrom?: string; slug?: string; name?: string } = {}): Promise<string> {
  const slug = opts.slug ?? 'shop';
  const project = await upsertProject(db, { id: deterministicId('project', slug), slug, name: opts.name ?? 'Shop', settings: { runtime_deploy: Boolean(opts.slotsFrom) } });
  await bindRepository(db, { projectId: project.id, externalId: 987654321, owner: 'acme', name: 'shop', cloneUrl: opts.slotsFrom ?? 'https://github.com/acme/shop.git' });
  await addMember(db, { projectId: project.id, login: 'alice', role: 'admin' });
  return project.id;
}
