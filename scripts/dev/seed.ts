import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, upsertProject, type Db } from '@codex-k8s/db';

/**
 * The sample binding the fixture webhook (test/fixtures/issues-labeled.json) needs to become a run: repository
 * acme/shop (GitHub id 987654321) bound to project `shop`, sender alice a project admin. Idempotent.
 * The same as `npm run admin -- project add shop && ... repo bind ... && ... member add alice ...`.
 */
export async function seedSampleProject(db: Db): Promise<string> {
  const project = await upsertProject(db, { id: deterministicId('project', 'shop'), slug: 'shop', name: 'Shop' });
  await bindRepository(db, { projectId: project.id, externalId: 987654321, owner: 'acme', name: 'shop', cloneUrl: 'https://github.com/acme/shop.git' });
  await addMember(db, { projectId: project.id, login: 'alice', role: 'admin' });
  return project.id;
}
