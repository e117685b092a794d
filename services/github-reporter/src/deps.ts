import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import type { Logger } from '@codex-k8s/runtime';
import type { CommentWriter } from './comments.js';

export const NAME = 'github-reporter';

/** Everything the handlers use, passed in explicitly (main.ts wires the real ones). */
export interface ReporterDeps {
  readonly db: Db;
  readonly bus: Pick<Bus, 'publish'>;
  readonly log: Logger;
  readonly writer: CommentWriter;
  /** The staff console's public URL (a link to the run's page), if configured. */
  readonly consoleUrl: string | undefined;
  /** The GitHub web root pull request links must point at. */
  readonly githubWebUrl: string;
}
