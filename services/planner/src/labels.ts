// The label catalog of the original codex-k8s: each `run:<stage>` label (and `:revise` form where the stage has
// one) maps to a trigger kind; every name can be overridden with CODEXK8S_RUN_<STAGE>_LABEL.
const STAGES_WITH_REVISE = ['intake', 'vision', 'prd', 'arch', 'design', 'plan', 'dev'] as const;
const STAGES_RUN_ONLY = ['doc-audit', 'qa', 'release', 'postdeploy', 'ops', 'self-improve', 'rethink'] as const;

/** label (lower case) -> trigger kind */
export type LabelCatalog = ReadonlyMap<string, string>;

const kindOf = (stage: string): string => stage.replace(/-/g, '_');
const envKey = (stage: string, revise: boolean): string => `CODEXK8S_RUN_${kindOf(stage).toUpperCase()}${revise ? '_REVISE' : ''}_LABEL`;

/** Builds the catalog from defaults and `CODEXK8S_RUN_<STAGE>[_REVISE]_LABEL` overrides. Pure. */
export function buildLabelCatalog(env: Readonly<Record<string, string | undefined>>): LabelCatalog {
  const out = new Map<string, string>();
  const add = (stage: string, revise: boolean): void => {
    const label = (env[envKey(stage, revise)] ?? `run:${stage}${revise ? ':revise' : ''}`).trim().toLowerCase();
    if (label) out.set(label, `${kindOf(stage)}${revise ? '_revise' : ''}`);
  };
  for (const s of STAGES_WITH_REVISE) {
    add(s, false);
    add(s, true);
  }
  for (const s of STAGES_RUN_ONLY) add(s, false);
  return out;
}

/** The env var names the catalog reads (for the configuration docs). */
export function labelCatalogEnvKeys(): string[] {
  return [...STAGES_WITH_REVISE.flatMap((s) => [envKey(s, false), envKey(s, true)]), ...STAGES_RUN_ONLY.map((s) => envKey(s, false))];
}
