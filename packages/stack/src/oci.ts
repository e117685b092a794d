import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface OciImage {
  /** The directory that becomes the image's single layer. */
  readonly rootfs: string;
  /** Full reference, e.g. `codex.local/pause:3.10`: manifests must name exactly this, with a pull policy of Never. */
  readonly ref: string;
  readonly cmd: readonly string[];
  /** Runs before `cmd`; a pod's `args` replace `cmd` and keep it (so an init such as catatonit stays PID 1). */
  readonly entrypoint?: readonly string[];
  readonly env?: readonly string[];
  /** `uid:gid` the container runs as unless the pod says otherwise. */
  readonly user?: string;
  /** Where `cmd` runs (default `/`). */
  readonly workingDir?: string;
}

export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Writes an OCI image archive (image layout in a tar, one uncompressed layer) that `ctr images import` loads into
 * containerd: no registry, no Docker. The layer is reproducible (sorted, owner 0, mtime 0), so the same rootfs gives
 * the same digests and a warm import changes nothing. Returns the manifest digest.
 */
export function writeOciArchive(image: OciImage, out: string): string {
  const work = mkdtempSync(join(tmpdir(), 'codex-k8s-oci-'));
  try {
    const blobs = join(work, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const put = (buf: Buffer): { digest: string; size: number } => {
      const hex = createHash('sha256').update(buf).digest('hex');
      writeFileSync(join(blobs, hex), buf);
      return { digest: `sha256:${hex}`, size: buf.length };
    };
    const layerTar = join(work, 'layer.tar');
    execFileSync('tar', ['--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', resolve(image.rootfs), '-cf', layerTar, '.']);
    const layer = put(readFileSync(layerTar));
    rmSync(layerTar);
    const config = put(
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Cmd: image.cmd, ...(image.entrypoint ? { Entrypoint: image.entrypoint } : {}), ...(image.user ? { User: image.user } : {}), Env: image.env ?? [PATH_ENV], WorkingDir: image.workingDir ?? '/' },
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
        }),
      ),
    );
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
        }),
      ),
    );
    writeFileSync(join(work, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const tag = image.ref.slice(image.ref.lastIndexOf(':') + 1);
    writeFileSync(
      join(work, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': image.ref, 'org.opencontainers.image.ref.name': tag } }],
      }),
    );
    // A name of this process's own: two builds of one image at once (parallel test files) never share a file.
    const tmp = `${out}.${process.pid}.tmp`;
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', work, '-cf', tmp, 'oci-layout', 'index.json', 'blobs']);
    renameSync(tmp, out);
    return manifest.digest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
