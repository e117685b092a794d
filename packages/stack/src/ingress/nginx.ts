import { join } from 'node:path';
import type { Route } from './routes.js';

// nginx configuration for the local TLS proxy. Pure: every name in it was validated by ingressRoutes.

export interface ProxyLayout {
  /** Where it listens (a loopback address of the stack's own): HTTPS on 443, HTTP on 80 redirecting to HTTPS. */
  readonly address: string;
  readonly dir: string;
  /** The certificate files of a route (written from its Secret), by host. */
  readonly certOf: (host: string) => { cert: string; key: string } | undefined;
}

/** An upstream's name: by position, so two hosts never share one. */
const upstreamName = (route: number, path: number): string => `u_${route}_${path}`;

function location(route: number, p: Route['paths'][number], i: number): string {
  const upstream = upstreamName(route, i);
  if (p.backends.length === 0) return `    location ${p.exact ? '= ' : ''}${p.path} { return 503 "no ready endpoint\\n"; }`;
  return [
    `    location ${p.exact ? '= ' : ''}${p.path} {`,
    `      proxy_pass http://${upstream};`,
    '      proxy_set_header Host $host;',
    '      proxy_set_header X-Forwarded-For $remote_addr;',
    '      proxy_set_header X-Forwarded-Proto https;',
    '    }',
  ].join('\n');
}

function upstreams(r: Route, route: number): string[] {
  return r.paths.flatMap((p, i) =>
    p.backends.length ? [`  upstream ${upstreamName(route, i)} {\n${p.backends.map((b) => `    server ${b.address}:${b.port};`).join('\n')}\n  }`] : [],
  );
}

export function nginxConfig(routes: readonly Route[], l: ProxyLayout): string {
  const servers = routes.flatMap((r, ri) => {
    const cert = r.tls ? l.certOf(r.host) : undefined;
    if (!cert) return [];
    return [[
      '  server {',
      `    listen ${l.address}:443 ssl;`,
      `    server_name ${r.host};`,
      `    ssl_certificate ${cert.cert};`,
      `    ssl_certificate_key ${cert.key};`,
      ...r.paths.map((p, i) => location(ri, p, i)),
      '  }',
    ].join('\n')];
  });
  return [
    'worker_processes 1;',
    `pid ${join(l.dir, 'nginx.pid')};`,
    `error_log ${join(l.dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${join(l.dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(l.dir, 'tmp', t)};`),
    '  server_names_hash_bucket_size 128;',
    ...routes.flatMap((r, ri) => (r.tls && l.certOf(r.host) ? upstreams(r, ri) : [])),
    // A host without a certificate, or unknown: no TLS handshake is completed for it.
    `  server { listen ${l.address}:443 ssl default_server; ssl_reject_handshake on; }`,
    `  server { listen ${l.address}:80 default_server; return 308 https://$host$request_uri; }`,
    ...servers,
    '}',
    '',
  ].join('\n');
}
