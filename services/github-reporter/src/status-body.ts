import type { StatusPhase } from '@codex-k8s/contracts';
import { clip, codeBlock, codeSpan, isPlainHttpUrl, link } from './markdown.js';
import { phaseAt, phaseRank, type StatusFacts } from './status-facts.js';

/** What the body is rendered from: the run (from the database), the merged state and the reporter's settings. */
export interface StatusView {
  readonly runId: string;
  /** `owner/repo` of the run's issue: a pull request is linked only when it is one of this repository's. */
  readonly repositoryFullName: string;
  readonly triggerLabel: string | null;
  readonly runtimeMode: 'full-env' | 'code-only' | null;
  readonly slotRun: boolean;
  readonly createdAt: Date;
  readonly phase: number;
  readonly facts: StatusFacts;
  /** The staff console's public URL, if configured. */
  readonly consoleUrl: string | undefined;
  /** The GitHub web root (https://github.com or the GHES host): a pull request link must point there. */
  readonly githubWebUrl: string;
}

/** The hidden marker that finds a run's comment again (after a restart, a lost database write). Pure. */
export const statusMarker = (runId: string): string => `<!-- codex-k8s:run-status:${runId} -->`;

/** The phases a run of this kind goes through, with their labels (pure). */
export function phasesOf(v: Pick<StatusView, 'runtimeMode' | 'slotRun'>): ReadonlyArray<readonly [StatusPhase, string]> {
  if (v.runtimeMode === 'code-only') return [['accepted', 'Accepted'], ['agent_started', 'Agent started'], ['finished', 'Finished']];
  if (v.slotRun) {
    return [
      ['accepted', 'Accepted'],
      ['preparing', 'Slot leased, namespace prepared'],
      ['slot_deployed', 'Slot deployed'],
      ['slot_ready', 'Slot ready (HTTPS)'],
      ['agent_started', 'Agent started'],
      ['finished', 'Finished'],
      ['cleaned_up', 'Slot released'],
    ];
  }
  return [['accepted', 'Accepted'], ['preparing', 'Namespace prepared'], ['agent_started', 'Agent started'], ['finished', 'Finished'], ['cleaned_up', 'Namespace deleted']];
}

/** "2 min 5 s" (pure). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function headline(v: StatusView): string {
  const end = v.facts.end;
  if (end) {
    const took = formatDuration(Date.parse(end.ended_at) - v.createdAt.getTime());
    if (end.status === 'succeeded') return `✅ Run succeeded in ${took}`;
    if (end.status === 'canceled') return `⏹️ Run canceled after ${took}`;
    return `❌ Run failed after ${took}`;
  }
  const titles: Record<StatusPhase, string> = {
    accepted: '⏳ Run accepted',
    preparing: v.slotRun ? '⏳ Deploying the slot' : '⏳ Preparing the namespace',
    slot_deployed: '⏳ Slot deployed, waiting for its certificate',
    slot_ready: '🟢 Slot ready',
    agent_started: '🤖 Agent working',
    finished: '⏳ Finishing',
    cleaned_up: '⏳ Finishing',
  };
  return titles[phaseAt(v.phase)];
}

function phaseLines(v: StatusView): string[] {
  const ended = v.facts.end !== null;
  return phasesOf(v).map(([phase, label]) => {
    const reached = v.facts.reached.includes(phase);
    let mark = reached ? '✅' : '⬜';
    // A phase the run went past without reaching (it ended early) is skipped, not pending.
    if (!reached && ended && phaseRank(phase) < phaseRank('finished')) mark = '➖';
    const detail =
      phase === 'preparing' && reached && v.facts.namespace ? ` · namespace ${codeSpan(v.facts.namespace, 80)}` : phase === 'slot_ready' && reached && v.facts.public_url ? ` · ${link(v.facts.public_url, v.facts.public_url)}` : '';
    return `- ${mark} ${label}${detail}`;
  });
}

/** A pull request link the agent reported, only when it is the run's repository's pull request of that number (pure). */
function pullRequestLine(v: StatusView): string | null {
  const pr = v.facts.pull_request;
  if (!pr) return null;
  const expected = `${v.githubWebUrl}/${v.repositoryFullName}/pull/${pr.number}`.toLowerCase();
  const ours = isPlainHttpUrl(pr.url) && pr.url.toLowerCase() === expected;
  const title = pr.title ? ` ${codeSpan(pr.title, 120)}` : '';
  return `**Pull request:** ${ours ? link(`#${pr.number}`, pr.url) : `#${pr.number} ${codeSpan(pr.url, 200)}`}${title}`;
}

/** Facts about the slot: its URL while the run is on, a certificate that failed. */
function slotSection(v: StatusView): string[] {
  const f = v.facts;
  const out: string[] = [];
  if (f.public_url && f.reached.includes('slot_ready') && !f.end) out.push(`**Open the slot:** ${link(f.public_url, f.public_url)}`, '');
  if (f.tls_failure) out.push(`**Certificate:** ${codeSpan(f.tls_failure, 300)}`, '');
  return out;
}

/** What the agent said: its newest status lines, its pull request, its artifacts. */
function agentSection(v: StatusView): string[] {
  const f = v.facts;
  const out: string[] = [];
  const lines = Object.entries(f.status_lines)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, m]) => clip(m.replace(/[\r\n]+/g, ' '), 300));
  if (lines.length > 0) out.push('**Agent status**', codeBlock(lines.join('\n'), 3_000), '');
  const pr = pullRequestLine(v);
  if (pr) out.push(pr, '');
  const artifacts = Object.keys(f.artifacts).sort();
  if (artifacts.length > 0) out.push(`**Artifacts:** ${artifacts.map((a) => codeSpan(a, 100)).join(', ')}`, '');
  return out;
}

/** How it ended: the reason and error of a run that did not succeed, the agent's own summary. */
function endSection(v: StatusView): string[] {
  const f = v.facts;
  const out: string[] = [];
  if (f.end && f.end.status !== 'succeeded') {
    out.push(`**Reason:** ${codeSpan(f.end.reason ?? f.end.event_type, 200)}`);
    if (f.end.error) out.push(codeBlock(f.end.error, 1_500));
    out.push('');
  }
  const exit = f.agent_exit_code !== null ? ` (exit code ${f.agent_exit_code})` : '';
  if (f.agent_summary) out.push(`**Agent summary**${exit}`, codeBlock(f.agent_summary, 1_500), '');
  return out;
}

/**
 * The run's status comment (pure): marker, headline, the phases of its kind with the current one, the slot URL, the
 * agent's newest status lines, its pull request and artifacts, the result with duration and reason, and a link to
 * the run's page in the staff console. Every piece of text from outside the platform is code (see markdown.ts).
 */
export function renderStatusBody(v: StatusView): string {
  const label = v.triggerLabel ? codeSpan(v.triggerLabel, 64) : 'a run label';
  const kind = `${v.runtimeMode ? ` · ${v.runtimeMode}` : ''}${v.facts.slot_no ? ` · slot ${v.facts.slot_no}` : ''}`;
  return [
    statusMarker(v.runId),
    `### ${headline(v)}`,
    '',
    `codex-k8s run \`${v.runId.slice(0, 8)}\` for ${label}${kind}`,
    '',
    ...phaseLines(v),
    '',
    ...slotSection(v),
    ...agentSection(v),
    ...endSection(v),
    ...(v.consoleUrl ? [link('Run page in the staff console', `${v.consoleUrl}/runs/${v.runId}`), ''] : []),
    '<sub>This comment is edited in place as the run goes on.</sub>',
  ].join('\n');
}
