// Password hashing with scrypt from node:crypto, stored in a PHC-like string
// that carries its own parameters, so they can be raised later without
// invalidating old hashes: $scrypt$ln=14,r=8,p=1$<salt b64>$<hash b64>
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const LOG_N = 14; // 16 MiB and ~0.1 s on a Pi 4: slow for guessing, fine for a login
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number, length: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes or node refuses the parameters
    scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a password for storage; each call uses a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG_N, R, P, KEY_LENGTH);
  return `$scrypt$ln=${LOG_N},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Check a password against a stored hash in constant time; a malformed hash never verifies. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!match) return false;
  const [, ln, r, p, salt, expected] = match;
  const expectedKey = Buffer.from(expected ?? '', 'base64');
  const logN = Number(ln);
  if (expectedKey.length < 16 || logN < 10 || logN > 20) return false;
  const key = await derive(password, Buffer.from(salt ?? '', 'base64'), logN, Number(r), Number(p), expectedKey.length);
  return timingSafeEqual(key, expectedKey);
}

// The handful that office users really pick; long enough to pass the length rule.
const COMMON = new Set([
  '1234567890',
  '12345678910',
  '0123456789',
  '123456789a',
  'qwertyuiop',
  'qwerty1234',
  'qwerty12345',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'password12',
  'password123',
  'password1234',
  'passw0rd123',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'administrator',
  'changeme123',
  'abcdefghij',
  'abc1234567',
  'asdfghjkl1',
  'zaq12wsxcde',
  'trustno1234',
  'football123',
  'monkey1234',
  'sunshine12',
  'princess12',
  'qwertyuiop123',
  'pochta12345',
]);

/** A plain-words reason why a password is too weak, or undefined when it is acceptable. */
export function checkPasswordStrength(password: string, address?: string): string | undefined {
  if ([...password].length < 10) return 'The password must be at least 10 characters long.';
  if (/^(.)\1*$/su.test(password)) return 'The password must not be one character repeated.';
  const lower = password.toLowerCase();
  if (address !== undefined) {
    const addr = address.trim().toLowerCase();
    const local = addr.includes('@') ? addr.slice(0, addr.lastIndexOf('@')) : addr;
    if (lower === addr || (local.length >= 3 && lower.includes(local))) {
      return 'The password must not contain the mail address or its user name.';
    }
  }
  if (COMMON.has(lower)) return 'This password is on the list of the most common passwords.';
  return undefined;
}
