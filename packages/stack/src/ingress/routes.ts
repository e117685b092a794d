import type { V1EndpointSlice, V1Ingress, V1Service } from '@kubernetes/client-node';

// What the local TLS proxy serves, computed from the cluster's Ingresses, Services and EndpointSlices. Pure.

export interface Backend {
  readonly address: string;
  readonly port: number;
}

export interface RoutePath {
  readonly path: string;
  readonly exact: boolean;
  /** Ready endpoints of the backend Service's port; empty: the path answers 503. */
  readonly backends: readonly Backend[];
}

export interface Route {
  readonly host: string;
  /** The Secret (in the Ingress's namespace) with the certificate for this host, when its Ingress names one. */
  readonly tls: { readonly namespace: string; readonly secret: string } | null;
  readonly paths: readonly RoutePath[];
}

const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Characters nginx reads literally in a `location` (no `;`, quotes, `$`, braces or spaces: they would end or change it). */
const PATH = /^\/[A-Za-z0-9._~%/-]*$/;

type PortRef = { readonly number?: number | undefined; readonly name?: string | undefined };

/** The ready endpoints of one EndpointSlice for the Service port named `portName`. */
function readyIn(slice: V1EndpointSlice, portName: string): Backend[] {
  const port = slice.ports?.find((p) => (p.name ?? '') === portName)?.port;
  if (!port) return [];
  return slice.endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.map((address) => ({ address, port })));
}

/** The ready endpoints of one Service port (matched by the port's name in the Service's EndpointSlices). */
function endpointsOf(svc: V1Service | undefined, ref: PortRef, slices: readonly V1EndpointSlice[]): Backend[] {
  const sp = svc?.spec?.ports?.find((p) => (ref.number !== undefined ? p.port === ref.number : p.name === ref.name));
  if (!svc || !sp) return [];
  const own = slices.filter((s) => s.metadata?.namespace === svc.metadata?.namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === svc.metadata?.name);
  return own.flatMap((s) => readyIn(s, sp.name ?? '')).sort((a, b) => `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`));
}

/** The paths of one Ingress rule whose path is a plain URL path, each with its backend's ready endpoints. */
function rulePaths(ing: V1Ingress, paths: NonNullable<NonNullable<V1Ingress['spec']>['rules']>[number]['http'], services: readonly V1Service[], slices: readonly V1EndpointSlice[]): RoutePath[] {
  const ns = ing.metadata?.namespace ?? '';
  return (paths?.paths ?? []).flatMap((p) => {
    const path = p.path ?? '/';
    const ref = p.backend.service;
    if (!PATH.test(path) || !ref) return [];
    const svc = services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === ref.name);
    return [{ path, exact: p.pathType === 'Exact', backends: endpointsOf(svc, { number: ref.port?.number, name: ref.port?.name }, slices) }];
  });
}

/**
 * One route per host: every rule of every Ingress for it, paths longest first (nginx picks the longest prefix; exact
 * paths are matched exactly), a path named twice kept once. A host or path that is not a plain DNS name or URL path
 * is skipped (it would be written into the proxy's configuration). The oldest Ingress to claim a host owns it
 * (creation time, then namespace/name), so a tenant cannot take over another's live host by creating a newer one.
 */
export function ingressRoutes(ingresses: readonly V1Ingress[], services: readonly V1Service[], slices: readonly V1EndpointSlice[]): Route[] {
  const byHost = new Map<string, { owner: string; tls: Route['tls']; paths: RoutePath[] }>();
  const created = (i: V1Ingress): number => new Date(i.metadata?.creationTimestamp ?? 0).getTime() || 0;
  const sorted = [...ingresses].sort((a, b) => created(a) - created(b) || `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
  for (const ing of sorted) {
    const ns = ing.metadata?.namespace ?? '';
    const owner = `${ns}/${ing.metadata?.name ?? ''}`;
    for (const rule of ing.spec?.rules ?? []) {
      const host = rule.host ?? '';
      const entry = byHost.get(host) ?? { owner, tls: null, paths: [] };
      if (!HOST.test(host) || host.length > 253 || entry.owner !== owner) continue;
      const secret = ing.spec?.tls?.find((t) => t.hosts?.includes(host) && t.secretName)?.secretName;
      if (secret) entry.tls = { namespace: ns, secret };
      for (const p of rulePaths(ing, rule.http, services, slices)) if (!entry.paths.some((q) => q.path === p.path && q.exact === p.exact)) entry.paths.push(p);
      byHost.set(host, entry);
    }
  }
  return [...byHost.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([host, e]) => ({ host, tls: e.tls, paths: [...e.paths].sort((a, b) => b.path.length - a.path.length) }));
}
