import { CopyButton } from '../../components/Copy.js';
import type { RunbookCommand } from '../../types.js';
import { Section } from './Section.js';

/** Commands to look into this run by hand, each with a copy button. */
export function Runbook({ commands }: { commands: RunbookCommand[] }) {
  return (
    <Section id="runbook" title="Runbook for this run">
      {commands.length === 0 ? <p class="muted">No commands for this run.</p> : null}
      <ul class="runbook">
        {commands.map((c) => (
          <li key={c.title}>
            <h3>{c.title}</h3>
            <div class="command">
              <code data-runbook={c.title}>{c.command}</code>
              <CopyButton text={c.command} label={c.title} />
            </div>
          </li>
        ))}
      </ul>
    </Section>
  );
}
