import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, messageOf, PATHS } from '../../api.js';
import { ErrorNote } from '../../components/Status.js';
import { useInterval } from '../../hooks.js';
import type { LogResponse } from '../../types.js';
import { Section } from './Section.js';

const SOURCE_TEXT: Record<LogResponse['source'], string> = {
  agent_stream: 'streamed by the agent',
  pod: 'from the live pod',
  stored_tail: 'stored end of the log',
  none: 'no log',
};

const atBottom = (el: HTMLElement): boolean => el.scrollHeight - el.scrollTop - el.clientHeight < 24;

/** The log's tail, read again every 3 s while the run is live (and once when it ends); follows the end when there. */
export function Logs({ runId, live }: { runId: string; live: boolean }) {
  const [log, setLog] = useState<LogResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  const load = useCallback(() => {
    void api.logs(runId, 500).then(
      (l) => {
        follow.current = pre.current ? atBottom(pre.current) : true;
        setLog(l);
        setError(null);
      },
      (err: unknown) => setError(messageOf(err)),
    );
  }, [runId]);
  useEffect(load, [load, live]);
  useInterval(load, 3_000, live);
  useLayoutEffect(() => {
    if (pre.current && follow.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log]);

  const download = (
    <a href={PATHS.logsDownload(runId)} download class="download">
      Download full log
    </a>
  );
  return (
    <Section id="logs" title="Logs" extra={download}>
      <p class="log-info muted">
        {log ? `${SOURCE_TEXT[log.source]} · last ${log.lines.length} lines` : 'Loading…'}
        {log?.truncated ? ' · older lines are in the full log' : ''}
        {live ? ' · refreshing' : ''}
      </p>
      <ErrorNote message={error} />
      <pre id="log-text" ref={pre} role="region" tabIndex={0} aria-label="Log tail">
        {log?.lines.join('\n')}
      </pre>
    </Section>
  );
}
