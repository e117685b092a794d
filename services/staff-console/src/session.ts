import type { Access } from './access.js';
import { csrfTokenFor } from './auth.js';
import { ok, type Answer, type ConsoleDeps } from './deps.js';

/** `GET /api/v1/staff/session`: who the caller is, their projects and roles, and the CSRF token of their actions. */
export function handleSession(deps: ConsoleDeps, access: Access): Answer {
  return ok({
    login: access.login,
    platform_admin: access.platformAdmin,
    projects: access.projects.map((p) => ({ id: p.id, slug: p.slug, name: p.name, role: access.platformAdmin ? 'platform_admin' : p.role, can_act: access.platformAdmin || p.role === 'admin' })),
    csrf_token: csrfTokenFor(deps.secret, access.login, access.session),
  });
}
