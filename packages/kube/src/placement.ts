import type { V1Toleration } from '@kubernetes/client-node';
import { z } from 'zod';

// Where run and slot pods may run, decided once per namespace: the namespace-provisioner writes it as the
// annotations of the in-tree PodNodeSelector and PodTolerationRestriction admission plugins, so every pod created in
// the namespace (the agent Job, the slot's own stack, anything a tenant starts) gets it from the apiserver and cannot
// choose another node. Both plugins must be enabled on the apiserver (the local stack enables them).

export const NODE_SELECTOR_ANNOTATION = 'scheduler.alpha.kubernetes.io/node-selector';
export const DEFAULT_TOLERATIONS_ANNOTATION = 'scheduler.alpha.kubernetes.io/defaultTolerations';

const labelKey = z.string().max(253).regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'not a label key');
const labelValue = z.string().max(63).regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'not a label value');

const Toleration = z.strictObject({
  key: labelKey.optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: labelValue.optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().min(0).max(31_536_000).optional(),
});

/** `key=value[,key=value]` as a map; a malformed pair is an issue naming it. */
const NodeSelector = z
  .string()
  .max(1024)
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [k = '', v = '', ...rest] = pair.split('=');
      if (rest.length || !labelKey.safeParse(k).success || !labelValue.safeParse(v).success) {
        ctx.addIssue({ code: 'custom', message: `"${pair}" is not key=value with a label key and value` });
        return z.NEVER;
      }
      out[k] = v;
    }
    return out;
  });

const Tolerations = z
  .string()
  .max(4096)
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON (a list of tolerations, e.g. [{"key":"k","operator":"Exists","effect":"NoSchedule"}])' });
      return z.NEVER;
    }
  })
  .pipe(z.array(Toleration).max(16));

export const PlacementEnv = z.object({
  /** Labels a node must carry to run run and slot pods (`key=value,...`); empty: any node. */
  CODEXK8S_WORKLOAD_NODE_SELECTOR: NodeSelector.prefault(''),
  /** Tolerations every run and slot pod gets (JSON list); empty: none. */
  CODEXK8S_WORKLOAD_TOLERATIONS: Tolerations.prefault('[]'),
});

export interface WorkloadPlacement {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly V1Toleration[];
}

/** The namespace annotations that place every pod of the namespace; none when nothing is configured. Pure. */
export function placementAnnotations(p: WorkloadPlacement): Record<string, string> {
  const out: Record<string, string> = {};
  const selector = Object.entries(p.nodeSelector).map(([k, v]) => `${k}=${v}`).join(',');
  if (selector) out[NODE_SELECTOR_ANNOTATION] = selector;
  if (p.tolerations.length) out[DEFAULT_TOLERATIONS_ANNOTATION] = JSON.stringify(p.tolerations);
  return out;
}
