import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUS_ADMIN, SERVICE_NAMES, checkSubscriberName, type BusIdentity } from '@codex-k8s/contracts';

// A credentials directory: one NKEY seed per identity in `<name>.nk` (mode 0600) and `identities.json` with the
// public keys, kinds and subscriber consumer names. The server config is built from identities.json alone, so a
// subscriber's seed may be handed over and deleted here.

const INDEX = 'identities.json';

/** The seed file of an identity in a credentials directory. */
export function seedFileOf(dir: string, name: string): string {
  return join(dir, `${name}.nk`);
}

/** The identities recorded in a credentials directory (none when it does not exist yet). */
export function readIdentities(dir: string): BusIdentity[] {
  const f = join(dir, INDEX);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { identities: BusIdentity[] }).identities : [];
}

function writeIdentities(dir: string, ids: readonly BusIdentity[]): void {
  writeFileSync(join(dir, INDEX), `${JSON.stringify({ identities: ids }, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Makes sure the seven services and `bus-admin` have a seed and a record (existing ones are kept, so this is
 * safe at every start). Returns every recorded identity, subscribers included.
 */
export function ensurePlatformIdentities(dir: string): BusIdentity[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ids = readIdentities(dir);
  const wanted: { name: string; kind: BusIdentity['kind'] }[] = [...SERVICE_NAMES.map((name) => ({ name, kind: 'service' as const })), { name: BUS_ADMIN, kind: 'admin' }];
  let changed = false;
  for (const w of wanted) {
    if (ids.some((i) => i.name === w.name) && existsSync(seedFileOf(dir, w.name))) continue;
    const key = createUserNkey();
    writeFileSync(seedFileOf(dir, w.name), `${key.seed}\n`, { mode: 0o600 });
    const rest = ids.filter((i) => i.name !== w.name);
    ids.splice(0, ids.length, ...rest, { name: w.name, kind: w.kind, publicKey: key.publicKey });
    changed = true;
  }
  if (changed) writeIdentities(dir, ids);
  return ids;
}

/**
 * Issues a read-only subscriber identity: a new NKEY whose seed is written to `<dir>/<name>.nk` (mode 0600, never
 * overwritten) and a record with the durable consumer names it may use (default: its own name).
 * @throws Error when the name or a consumer name is refused (checkSubscriberName) or already issued.
 */
export function issueSubscriber(dir: string, name: string, consumers: readonly string[] = [name]): { identity: BusIdentity; seedFile: string } {
  for (const n of [name, ...consumers]) checkSubscriberName(n);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ids = readIdentities(dir);
  if (ids.some((i) => i.name === name)) throw new Error(`identity "${name}" is already issued`);
  const key = createUserNkey();
  const seedFile = seedFileOf(dir, name);
  writeFileSync(seedFile, `${key.seed}\n`, { mode: 0o600, flag: 'wx' });
  const identity: BusIdentity = { name, kind: 'subscriber', publicKey: key.publicKey, consumers: [...consumers] };
  writeIdentities(dir, [...ids, identity]);
  return { identity, seedFile };
}

// NKEY text encoding (github.com/nats-io/nkeys): prefix byte(s) + raw key + CRC16 (XMODEM, little endian), base32
// without padding. Node's own Ed25519 makes the key; unit-tested against nkeys.js.
const PREFIX_SEED = 18 << 3;
const PREFIX_USER = 20 << 3;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let value = 0;
  let bits = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
}

function encode(prefix: readonly number[], raw: Uint8Array): string {
  const body = Uint8Array.from([...prefix, ...raw]);
  const crc = crc16(body);
  return base32(Uint8Array.from([...body, crc & 0xff, crc >> 8]));
}

/** A new NKEY user: its seed (`SU...`, the secret) and public key (`U...`, what the server config holds). */
export function createUserNkey(): { seed: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const raw = (v: string | undefined): Uint8Array => Buffer.from(v ?? '', 'base64url');
  return {
    seed: encode([PREFIX_SEED | (PREFIX_USER >> 5), (PREFIX_USER & 31) << 3], raw(jwk.d)),
    publicKey: encode([PREFIX_USER], raw(jwk.x)),
  };
}
