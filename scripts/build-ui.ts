import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// `node --import tsx scripts/build-ui.ts` bundles the staff console's browser UI (services/staff-console/web) into
// services/staff-console/dist/public: content-hashed main-<hash>.js and .css, and the index.html the server answers
// for every path outside /api. Nothing inline (the page works under a strict CSP) and nothing from another origin.

const WEB = join('services', 'staff-console', 'web');
const OUT = join('services', 'staff-console', 'dist', 'public');
/** What an earlier build left: hashed bundles (esbuild's hash is 8 upper-case letters or digits). */
const HASHED = /^[\w.-]+-[A-Z0-9]{8}\.(?:js|css)(?:\.map)?$/;

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0a58c2"/>' +
  '<path d="M9 11l6 5-6 5M17 22h7" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>\n';

const indexHtml = (js: string, css: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="same-origin">
<title>codex-k8s staff</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/${css}">
<script type="module" src="/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The staff console needs JavaScript.</noscript>
</body>
</html>
`;

/** Builds the UI under `root` (the repository); returns the absolute paths of the files it wrote. */
export async function buildUi(root: string): Promise<{ files: string[] }> {
  const outdir = join(root, OUT);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, WEB, 'main.tsx')],
    tsconfig: join(root, WEB, 'tsconfig.json'),
    outdir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    charset: 'utf8',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // The UI imports only types from the contracts: a value would drag zod (and the event catalog) into the page.
  const zod = Object.keys(result.metafile.inputs).filter((p) => /(?:^|\/)node_modules\/zod\//.test(p));
  if (zod.length > 0) throw new Error(`the UI bundle includes zod (${zod[0]}): import only types from packages/contracts`);

  const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(root, p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild wrote no ${js ? 'css' : 'js'} bundle`);
  writeFileSync(join(outdir, 'index.html'), indexHtml(basename(js), basename(css)));
  writeFileSync(join(outdir, 'favicon.svg'), FAVICON);

  const keep = new Set(outputs.map((p) => basename(p)));
  for (const name of readdirSync(outdir)) if (HASHED.test(name) && !keep.has(name)) rmSync(join(outdir, name));
  return { files: [...outputs, join(outdir, 'index.html'), join(outdir, 'favicon.svg')] };
}

const kb = (path: string): string => `${(statSync(path).size / 1024).toFixed(1)} kB`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const t0 = Date.now();
  try {
    const { files } = await buildUi(root);
    const list = files.map((f) => `${basename(f)} ${kb(f)}`).join(', ');
    console.log(`build-ui: ${list} -> ${relative(root, dirname(files[0]!))} in ${Date.now() - t0} ms`);
  } catch (err) {
    // esbuild has printed its errors already (logLevel warning); this is the one line that says the build failed.
    const esbuildErrors = (err as { errors?: unknown[] }).errors?.length;
    console.error(`build-ui: failed: ${esbuildErrors ? `${esbuildErrors} esbuild error(s) above` : err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
