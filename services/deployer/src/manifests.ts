import { ServicesConfigError, type ConfigSource, type ResolvedStack } from '@codex-k8s/services-config';
import { renderYamlTemplate } from '@codex-k8s/templates';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/** A rendered object and where it came from (for error messages and stage logs). */
export interface RenderedObject {
  readonly unit: string;
  readonly file: string;
  readonly object: KubernetesObject;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * Renders the manifests of one unit (YAML templates over Project, Env, Slot, Namespace, Vars, Versions, every
 * value a safe scalar), parses every document and checks its shape: apiVersion, kind and a DNS name.
 * @throws ServicesConfigError naming the file and the document (a snapshot never changes, so retrying cannot help).
 */
export async function renderUnit(
  src: ConfigSource,
  stack: ResolvedStack,
  unit: { name: string; manifests: readonly { path: string }[] },
  vars: Readonly<Record<string, string>>,
): Promise<RenderedObject[]> {
  const ctx = { Project: stack.project, Env: stack.env, Slot: stack.slot, Namespace: stack.namespace, Vars: vars, Versions: stack.versions };
  const out: RenderedObject[] = [];
  for (const m of unit.manifests) {
    const source = await src.read(m.path).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ENOENT') throw new ServicesConfigError(m.path, '', 'manifest file not found');
      throw err; // a refusal (ServicesConfigError) stays one; an I/O error may heal and is retried
    });
    const text = renderYamlTemplate(source, ctx, { source: m.path, env: vars });
    for (const [i, doc] of parseAllDocuments(text).entries()) {
      const err = doc.errors[0];
      if (err) throw new ServicesConfigError(m.path, `document ${i + 1}`, `invalid YAML after rendering: ${err.message.split('\n')[0] ?? ''}`);
      const obj = doc.toJS() as KubernetesObject | null;
      if (obj === null) continue; // an empty document (e.g. a trailing ---)
      if (typeof obj !== 'object' || !obj.apiVersion || !obj.kind) throw new ServicesConfigError(m.path, `document ${i + 1}`, 'apiVersion and kind are required');
      const name = obj.metadata?.name;
      if (!name || !DNS_SUBDOMAIN.test(name)) throw new ServicesConfigError(m.path, `document ${i + 1} (${obj.kind})`, `metadata.name "${name ?? ''}" is not a DNS name`);
      out.push({ unit: unit.name, file: m.path, object: obj });
    }
  }
  return out;
}
