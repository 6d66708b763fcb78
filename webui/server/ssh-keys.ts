// The maintenance user's SSH access: its authorized_keys (each line checked:
// a known key type and a key blob that says the same type) and the on/off flag
// file the image watches (a systemd path unit starts or stops sshd on it).

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SshKeyView, SshState } from '../api-types.ts';
import type { SshPaths } from './deps.ts';
import { ApiFailure } from './errors.ts';

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** Parse one authorized_keys line (no options); undefined with a reason when it is not a key. */
export function parseKeyLine(line: string): SshKeyView | string {
  const parts = line.trim().split(/\s+/);
  const [type, blob, ...comment] = parts;
  if (type === undefined || blob === undefined) return 'expected "TYPE KEY [comment]", as in a .pub file';
  if (!KEY_TYPES.has(type)) return `unknown key type ${JSON.stringify(type.slice(0, 40))} (use an ed25519, ECDSA or RSA public key)`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'the key is not valid base64';
  const bytes = Buffer.from(blob, 'base64');
  const nameLength = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  if (nameLength < 0 || nameLength > 64 || bytes.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    return 'the key does not match its type (copied incompletely?)';
  }
  if (type === 'ssh-rsa' && bytes.length < 260) return 'RSA keys shorter than 2048 bits are not accepted';
  const fingerprint = `SHA256:${createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '')}`;
  return { type, comment: comment.join(' '), fingerprint, line: `${type} ${blob}${comment.length ? ` ${comment.join(' ')}` : ''}` };
}

export async function readSshState(paths: SshPaths): Promise<SshState> {
  const text = await readFile(paths.authorizedKeys, 'utf8').catch(() => '');
  const keys = text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map(parseKeyLine)
    .filter((k): k is SshKeyView => typeof k !== 'string');
  const enabled = await readFile(paths.flagFile).then(
    () => true,
    () => false,
  );
  return { enabled, user: paths.user, keys };
}

/** Replace the keys (every line checked first; `keys.N` names a bad one) and/or switch SSH on or off. */
export async function updateSsh(paths: SshPaths, change: { enabled?: boolean; keys?: readonly string[] }): Promise<SshState> {
  if (change.keys !== undefined) {
    const lines: string[] = [];
    for (const [i, raw] of change.keys.entries()) {
      if (raw.trim() === '') continue;
      const parsed = parseKeyLine(raw);
      if (typeof parsed === 'string') throw new ApiFailure(400, 'INVALID_ARGUMENT', `This key line is not usable: ${parsed}.`, `keys.${i}`);
      lines.push(parsed.line);
    }
    await mkdir(dirname(paths.authorizedKeys), { recursive: true, mode: 0o700 });
    const temp = `${paths.authorizedKeys}.new`;
    await writeFile(temp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    await rename(temp, paths.authorizedKeys);
  }
  if (change.enabled === true) {
    await mkdir(dirname(paths.flagFile), { recursive: true });
    await writeFile(paths.flagFile, 'on\n');
  } else if (change.enabled === false) {
    await rm(paths.flagFile, { force: true });
  }
  return readSshState(paths);
}
