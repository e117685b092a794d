import { ArtifactName } from '@codex-k8s/contracts';
import { getArtifact } from '@codex-k8s/db';
import type { Access } from './access.js';
import { refused, type Answer, type ConsoleDeps } from './deps.js';
import { visibleRun } from './run-access.js';

/** `GET /api/v1/staff/runs/{run_id}/artifacts/{name}`: an artifact's stored content. */
export async function handleArtifact(deps: ConsoleDeps, access: Access, params: unknown): Promise<{ answer: Answer } | { content: Buffer; name: string; contentType: string | null }> {
  const name = ArtifactName.safeParse((params as { name?: unknown } | undefined)?.name);
  if (!name.success) return { answer: refused(400, 'name: not an artifact name') };
  const v = await visibleRun(deps, access, params);
  if ('answer' in v) return v;
  const a = await getArtifact(deps.db, v.run.id, name.data);
  if (!a) return { answer: refused(404, 'no such artifact') };
  if (!a.content) return { answer: refused(404, `artifact ${a.name} (${a.kind}) has no stored content${a.url ? `; it links to ${a.url}` : ''}`) };
  return { content: a.content, name: a.name, contentType: a.content_type };
}
