import { readFileSync } from 'node:fs';
import { nkeyAuthenticator, nkeys, type Authenticator } from '@nats-io/transport-node';

/**
 * Reads an NKEY user seed from a file (surrounding whitespace ignored). The message of a failure names the
 * file, never its content.
 * @throws Error when the file cannot be read or does not hold a user seed (`SU...`).
 */
export function readSeed(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read the NKEY seed file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const seed = new TextEncoder().encode(text);
  try {
    if (!text.startsWith('SU')) throw new Error('not a user seed');
    nkeys.fromSeed(seed);
  } catch {
    throw new Error(`${file} does not hold an NKEY user seed`);
  }
  return seed;
}

/**
 * An authenticator answering the server's nonce with the seed in `file`. The file is read now (so a bad file
 * fails at start) and again at every reconnect, so a rotated Secret takes effect without a restart.
 * @throws Error from readSeed.
 */
export function seedAuthenticator(file: string): Authenticator {
  readSeed(file);
  return nkeyAuthenticator(() => readSeed(file));
}
