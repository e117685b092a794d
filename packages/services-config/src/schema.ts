import { z } from 'zod';

// The typed services.yaml contract (reference section 1). Objects accept unknown fields (forward compatible,
// as upstream since 2026-02-25); enums stay strict. `when` and every other templated field is a string that
// has already been rendered when this schema sees it.
const name = z.string().min(1, 'must not be empty');
const names = z.array(name).default([]);
const ManifestRef = z.looseObject({ path: z.string().min(1, 'manifest path must not be empty') });
const Strategy = z.enum(['hot-reload', 'rebuild', 'restart']);

export const InfrastructureItem = z.looseObject({
  name,
  dependsOn: names,
  manifests: z.array(ManifestRef).default([]),
  when: z.string().optional(),
});

export const ServiceItem = z.looseObject({
  name,
  use: names,
  codeUpdateStrategy: Strategy.optional(),
  scope: z.enum(['environment', 'infrastructure-singleton']).optional(),
  deployGroup: z.string().optional(),
  dependsOn: z.array(name).optional(),
  manifests: z.array(ManifestRef).default([]),
  when: z.string().optional(),
  image: z.looseObject({ repository: z.string().optional(), tagTemplate: z.string().optional() }).optional(),
});

export const Environment = z.looseObject({
  from: z.string().optional(),
  namespaceTemplate: z.string().optional(),
  domainTemplate: z.string().optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
});

export const Component = z.looseObject({
  name,
  serviceDefaults: z
    .looseObject({ codeUpdateStrategy: Strategy.optional(), deployGroup: z.string().optional(), dependsOn: z.array(name).optional() })
    .default({}),
});

export const Image = z.looseObject({
  type: z.enum(['external', 'build', 'skip']),
  from: z.string().optional(),
  local: z.string().optional(),
  repository: z.string().optional(),
  tagTemplate: z.string().optional(),
  dockerfile: z.string().optional(),
  context: z.string().optional(),
  buildArgs: z.record(z.string(), z.string()).optional(),
});

const RuntimeMode = z.enum(['full-env', 'code-only']);

export const WebhookRuntime = z.looseObject({
  defaultMode: RuntimeMode.optional(),
  triggerModes: z.record(z.string().min(1, 'trigger kind must not be empty'), RuntimeMode).optional(),
  defaultNamespaceTTL: z.string().optional(),
  namespaceTTLByRole: z.record(z.string(), z.string()).optional(),
});

export const Spec = z.looseObject({
  project: z.string().optional(),
  versions: z.record(z.string(), z.looseObject({ value: z.string().min(1, 'version value must not be empty'), bumpOn: z.array(z.string()).optional() })).default({}),
  imports: z.array(z.union([z.string(), z.looseObject({ path: z.string() })])).optional(),
  components: z.array(Component).default([]),
  environments: z.record(z.string().min(1), Environment).refine((e) => Object.keys(e).length > 0, 'at least one environment is required'),
  webhookRuntime: WebhookRuntime.optional(),
  images: z.record(z.string(), Image).default({}),
  infrastructure: z.array(InfrastructureItem).default([]),
  services: z.array(ServiceItem).default([]),
  orchestration: z.looseObject({ deployOrder: z.array(z.string()).default([]) }).default({ deployOrder: [] }),
});

export const ServicesYaml = z.looseObject({
  apiVersion: z.literal('codex-k8s.dev/v1alpha1').default('codex-k8s.dev/v1alpha1'),
  kind: z.literal('ServiceStack').default('ServiceStack'),
  metadata: z.looseObject({ name }),
  spec: Spec,
});

export type ServicesYaml = z.infer<typeof ServicesYaml>;
export type ServiceItem = z.infer<typeof ServiceItem>;
export type InfrastructureItem = z.infer<typeof InfrastructureItem>;
export type Environment = z.infer<typeof Environment>;
