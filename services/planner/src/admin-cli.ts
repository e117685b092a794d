import { parseArgs } from 'node:util';
import { deterministicId } from '@codex-k8s/contracts';
import { addMember, bindRepository, createDb, createLoginLink, findProjectBySlug, migrateToLatest, upsertProject, type Db } from '@codex-k8s/db';
import { z } from 'zod';

// npm run admin -- project add <slug> [--name N]
// npm run admin -- repo bind <owner/repo> --project <slug> --github-id <n> [--clone-url URL] [--services-yaml P] [--ref R]
// npm run admin -- member add <github-login> --project <slug> --role admin|read_write|read_only [--platform-admin]
// npm run admin -- staff link <github-login>
const USAGE = `usage:
  npm run admin -- project add <slug> [--name <name>] [--slots]   (--slots: full-env runs deploy the project's services.yaml into a slot)
  npm run admin -- repo bind <owner/repo> --project <slug> --github-id <id> [--clone-url <url>] [--services-yaml <path>] [--ref <branch>]
  npm run admin -- member add <github-login> --project <slug> --role admin|read_write|read_only [--platform-admin]
  npm run admin -- staff link <github-login>   (a one-time staff console login link, 10 minutes; consoles with CODEXK8S_STAFF_LOGIN_LINKS=true)
Reads DATABASE_URL (eval "$(npm run -s stack -- env)" for the local stack).`;

const Slug = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/, 'a lower-case slug: letters, digits and dashes');
const FullName = z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'owner/repo');
const Login = z.string().regex(/^[A-Za-z0-9-]{1,39}(\[bot\])?$/, 'a GitHub login');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    project: { type: 'string' },
    'github-id': { type: 'string' },
    'clone-url': { type: 'string' },
    'services-yaml': { type: 'string' },
    ref: { type: 'string' },
    role: { type: 'string' },
    'platform-admin': { type: 'boolean' },
    slots: { type: 'boolean' },
  },
});

async function projectId(db: Db, slug: string | undefined): Promise<string> {
  const p = await findProjectBySlug(db, Slug.parse(slug));
  if (!p) throw new Error(`project "${slug}" does not exist: npm run admin -- project add ${slug}`);
  return p.id;
}

async function run(db: Db, [what, verb, arg]: string[]): Promise<string> {
  if (what === 'project' && verb === 'add') {
    const slug = Slug.parse(arg);
    const p = await upsertProject(db, { id: deterministicId('project', slug), slug, name: values.name ?? slug, ...(values.slots ? { settings: { runtime_deploy: true } } : {}) });
    return `project ${p.slug} (${p.id})`;
  }
  if (what === 'repo' && verb === 'bind') {
    const [owner, name] = FullName.parse(arg).split('/') as [string, string];
    const r = await bindRepository(db, {
      projectId: await projectId(db, values.project),
      externalId: z.coerce.number().int().positive().parse(values['github-id']),
      owner,
      name,
      cloneUrl: z.url().parse(values['clone-url'] ?? `https://github.com/${owner}/${name}.git`),
      ...(values['services-yaml'] ? { servicesYamlPath: values['services-yaml'] } : {}),
      ...(values.ref ? { defaultRef: values.ref } : {}),
    });
    return `repository ${r.owner}/${r.name} (github id ${r.external_id}) bound to ${values.project}`;
  }
  if (what === 'member' && verb === 'add') {
    const role = z.enum(['admin', 'read_write', 'read_only']).parse(values.role);
    const login = Login.parse(arg);
    await addMember(db, { projectId: await projectId(db, values.project), login, role, ...(values['platform-admin'] ? { platformAdmin: true } : {}) });
    return `${login.toLowerCase()} is ${role} of ${values.project}${values['platform-admin'] ? ' and a platform admin' : ''}`;
  }
  if (what === 'staff' && verb === 'link') {
    const login = Login.parse(arg).toLowerCase();
    return `/login?t=${await createLoginLink(db, login, 600)}  (append to the console's address; one use, for ${login}, 10 minutes)`;
  }
  throw new Error(USAGE);
}

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(`DATABASE_URL is not set.\n${USAGE}`);
  process.exit(2);
}
const db = createDb(url, { applicationName: 'codex-k8s-admin', max: 2 });
try {
  await migrateToLatest(db);
  console.log(await run(db, positionals));
} catch (err) {
  const msg = err instanceof z.ZodError ? err.issues.map((i) => i.message).join('; ') : err instanceof Error ? err.message : String(err);
  console.error(msg);
  process.exitCode = 2;
} finally {
  await db.destroy();
}
