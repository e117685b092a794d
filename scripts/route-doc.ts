import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CATALOG } from '@codex-k8s/contracts';
import { RUN_ENDED_EVENTS, RUN_KINDS, RUN_KIND_SUMMARY, routeOf, type RouteStep, type RunKind } from '@codex-k8s/flow';
import { z } from 'zod';

// `npm run docs:route` writes docs/route.md from the route of packages/flow; `scripts/route-doc.ts check` (run by
// `npm test` with the other static checks) fails when the page differs from what the route gives.
const mode = z.enum(['write', 'check']).parse(process.argv[2] ?? 'check');
const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'route.md');

const ROW_OF: Readonly<Record<RunKind, string>> = {
  'code-only': '`runtime_mode` = `code-only`',
  'full-env': '`runtime_mode` = `full-env`, `runtime_deploy` = false',
  slot: '`runtime_mode` = `full-env`, `runtime_deploy` = true',
};

/** Text inside a quoted mermaid label: entity codes for what mermaid would read as syntax or HTML. */
const mm = (s: string): string => s.replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
/** Text inside a markdown table cell. */
const md = (s: string): string => s.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const code = (types: readonly string[]): string => (types.length ? types.map((t) => `\`${t}\``).join(', ') : '-');

/** Breaks a sentence into lines of about `width` characters for a diagram box. */
function wrap(text: string, width = 44): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** The services that publish an event, from the catalog (where a route's outside inputs come from). */
const emittersOf = (type: string): string => EVENT_CATALOG.find((d) => d.type === type)?.emittedBy.join(', ') ?? '?';

/** The later ordered steps of a route that consume `type` (an `anytime` step starts from outside, never from here). */
function consumersOf(steps: readonly RouteStep[], from: number, type: string): number[] {
  return steps.flatMap((s, j) => (j > from && !s.anytime && s.on.includes(type) ? [j] : []));
}

/** One outcome of a step (what it emits on success, or on failure) as arrows, plus the events no step consumes. */
function arrowsOf(steps: readonly RouteStep[], i: number, types: readonly string[], dashed: boolean): { lines: string[]; side: string[] } {
  const to = new Map<string, string[]>();
  const side: string[] = [];
  for (const t of types) {
    const targets = consumersOf(steps, i, t);
    if (targets.length === 0) side.push(t);
    for (const j of targets) to.set(`s${j}`, [...(to.get(`s${j}`) ?? []), t]);
  }
  // Nothing of this outcome leads to a later step: it ends the run (or, for the planner, means no run at all).
  if (to.size === 0 && side.length > 0) return { lines: [arrow(`s${i}`, 'done', side, dashed)], side: [] };
  return { lines: [...to].map(([target, ts]) => arrow(`s${i}`, target, ts, dashed)), side };
}

function arrow(from: string, to: string, types: readonly string[], dashed: boolean): string {
  return `  ${from} ${dashed ? '-.->' : '-->'}|"${mm(types.join(', '))}"| ${to}`;
}

/** A flowchart of one route: boxes are steps, solid arrows success events, dashed arrows failure events. */
function diagram(kind: RunKind): string {
  const steps = routeOf(kind);
  const out = ['```mermaid', 'flowchart TD'];
  const arrows: string[] = [];
  steps.forEach((s, i) => {
    const ok = arrowsOf(steps, i, s.ok, false);
    const failed = arrowsOf(steps, i, s.failed, true);
    const notes = [...(ok.side.length ? [`also publishes ${ok.side.join(', ')}`] : []), ...(failed.side.length ? [`on failure also ${failed.side.join(', ')}`] : [])];
    const text = [`<b>${i + 1}. ${s.service}</b>`, ...wrap(s.does).map(mm), ...notes.map((n) => `<i>${mm(n)}</i>`)].join('<br/>');
    out.push(`  s${i}["${text}"]`);
    if (i === 0 || s.anytime) {
      const from = `in${i}`;
      out.push(`  ${from}(["from ${mm(s.on.map(emittersOf).join(', '))}${s.anytime ? ' (at any time)' : ''}"])`);
      arrows.push(arrow(from, `s${i}`, s.on, false));
    }
    arrows.push(...ok.lines, ...failed.lines);
  });
  out.push('  done(["end"])', ...arrows, '```');
  return out.join('\n');
}

function table(kind: RunKind): string {
  const rows = routeOf(kind).map((s, i) => {
    const on = s.via === 'watch' ? `${code(s.on)} (it watches the Job it started; no bus input)` : code(s.on);
    return `| ${i + 1}${s.anytime ? ' (any time)' : ''} | ${on} | ${s.service} | ${md(s.does)} | ${code(s.ok)} | ${code(s.failed)} |`;
  });
  return ['| # | On | Service | Does | Emits when it succeeds | Emits when it fails |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Who acts on each bus input, by kind: the same event reaches several services, and the route picks one. */
function matrix(): string {
  const inputs = [...new Set(RUN_KINDS.flatMap((k) => routeOf(k).filter((s) => s.via === 'event').flatMap((s) => s.on)))];
  const cell = (kind: RunKind, type: string): string =>
    routeOf(kind)
      .filter((s) => s.via === 'event' && s.on.includes(type))
      .map((s) => s.service)
      .join(', ') || '-';
  return [
    `| Event | ${RUN_KINDS.map((k) => `\`${k}\``).join(' | ')} |`,
    `|---|${RUN_KINDS.map(() => '---').join('|')}|`,
    ...inputs.map((t) => `| \`${t}\` | ${RUN_KINDS.map((k) => cell(k, t)).join(' | ')} |`),
  ].join('\n');
}

function page(): string {
  const kinds = RUN_KINDS.map((k) => [`## \`${k}\``, '', RUN_KIND_SUMMARY[k], '', diagram(k), '', table(k)].join('\n'));
  return `<!-- Generated by \`npm run docs:route\` from packages/flow/src/route.ts. Do not edit by hand: \`npm test\` fails when this page is stale. -->

# The route of a run

A run is one task of the AI agent, started by a label on a GitHub issue (for example \`run:dev\`). Between the signed
webhook and the end of the run, several services each do one step. They never call each other: every step ends by
publishing an event on the NATS JetStream bus (subject \`platform.<event type>.v1\`), and that event is what starts the
next step. This page lists those steps for each kind of run.

## Kinds of run

The planner decides the kind when it creates the run and writes it into the run's row in Postgres (\`agent_runs\`).
\`runtime_mode\` is \`full-env\` for the trigger kinds in \`CODEXK8S_FULL_ENV_TRIGGER_KINDS\` (default \`dev,dev_revise\`;
a project can override the list in its settings) and \`code-only\` for every other label. \`runtime_deploy\` is true for
a full-env run of a project with slot deploys (\`npm run admin -- project add <slug> --slots\`).

| Kind | Run row | What it is |
|---|---|---|
${RUN_KINDS.map((k) => `| \`${k}\` | ${ROW_OF[k]} | ${md(RUN_KIND_SUMMARY[k])} |`).join('\n')}

## How a service decides whether an event is its step

The same event often reaches several services; for example every \`run.created\` is delivered to namespace-provisioner,
deployer and agent-launcher. Each of them reads the run's row (never the flags of the event's payload), derives the
kind from it (\`runKindOf\` in \`packages/flow\`) and asks the route whether that event is a step it takes for that
kind (\`handles(kind, service, event type)\`). If not, it does nothing and acknowledges the message. Who acts on what:

${matrix()}

## Rules every route follows

- **A run ends once.** The run's end events all carry the same event id for a run, so whichever is published first
  is the run's end and a second one is dropped as a duplicate: \`${RUN_ENDED_EVENTS.join('`, `')}\`.
- **\`run.failed.launch_error\`** ends a run that could not be started or could not go on; its \`reason\` says why
  (\`namespace_prepare_failed\`, \`job_create_failed\`, \`runtime_deploy_failed\`, \`namespace_owned_by_another_project\`,
  \`run_stalled\`). The service that fails publishes it and marks the run row failed.
- **The end waits for the row.** The service acting on a run's end does so only once the run row says the run ended,
  so an end event for a live run never deletes anything.
- **Stalled runs end.** A run that makes no progress for \`CODEXK8S_RUN_STALL_TIMEOUT_MS\`, at any step, is ended by
  namespace-provisioner's reconciler with \`run.failed.launch_error\` (\`run_stalled\`) and then cleaned up like any end.
- **Retries converge.** A step that fails for a temporary reason is retried by redelivery of its input; event ids are
  derived from the run and the event type, so a retry never publishes a second, different event.
- **Following the Job is not a bus input.** After \`run.started\`, agent-launcher watches the Job and its pods in
  Kubernetes and re-checks every running run periodically; the end of the Job gives \`run.succeeded\`, \`run.failed\` or
  \`run.failed.job_not_found\`.
- **Everything is recorded.** audit-writer stores every event in Postgres \`flow_events\` (not drawn below).

## Reading the diagrams

A box is a step: its number, the service, and what it does. A solid arrow is an event the step publishes when it
succeeds, leading to the step that acts on it; a dashed arrow is an event published when the step fails. Events
that no later step acts on are written in the box (in italics) or lead to "end". A rounded box on top is where the
first input comes from.

${kinds.join('\n\n')}

## Keeping this page current

This page is generated from the route in \`packages/flow/src/route.ts\` by \`npm run docs:route\`. \`npm test\`
regenerates it in memory (\`scripts/route-doc.ts check\`) and fails when the page differs. The route's own test
checks each step against the event catalog in \`packages/contracts\` (\`consumedBy\` / \`emittedBy\`), which is also
what the bus permissions are derived from, so the route, this page and the catalog cannot drift apart.
`;
}

const want = page();
if (mode === 'write') {
  writeFileSync(file, want);
  console.log('docs/route.md written');
} else if (!existsSync(file) || readFileSync(file, 'utf8') !== want) {
  console.error('docs/route.md is stale: run `npm run docs:route`');
  process.exit(1);
} else {
  console.log('docs/route.md matches the route');
}
