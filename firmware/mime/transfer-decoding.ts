// Content-Transfer-Encoding decoders, tolerant of what broken mailers send:
// stray characters in base64, bad escapes and trailing blanks in
// quoted-printable. Both run in one pass over the input.
import { CR, HT, LF, SP } from './bytes.ts';

const B64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
// URL-safe alphabet shows up in some generators; accepting it costs nothing.
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

/** Decode base64, skipping anything outside the alphabet; '=' ends a quantum so concatenated chunks decode right. */
export function decodeBase64(input: Uint8Array, start = 0, end = input.length): Uint8Array {
  const out = new Uint8Array(Math.ceil(((end - start) * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const c = input[i]!;
    const v = B64[c]!;
    if (v < 0) {
      if (c === 61) {
        acc = 0;
        bits = 0;
      }
      continue;
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decode quoted-printable (RFC 2045 6.7): soft breaks removed, trailing blanks dropped, bad escapes kept literally. */
export function decodeQuotedPrintable(input: Uint8Array, start = 0, end = input.length): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  let lineStart = 0; // in out: blanks before a hard break are transport padding
  let i = start;
  while (i < end) {
    const c = input[i]!;
    if (c === 61) {
      // "=" then optional blanks then a line end is a soft break
      let j = i + 1;
      while (j < end && (input[j] === SP || input[j] === HT)) j++;
      if (j >= end) {
        i = end;
        continue;
      }
      if (input[j] === LF) {
        i = j + 1;
        continue;
      }
      if (input[j] === CR && input[j + 1] === LF) {
        i = j + 2;
        continue;
      }
      const hi = hexValue(input[i + 1]);
      const lo = hexValue(input[i + 2]);
      if (hi >= 0 && lo >= 0 && i + 2 < end) {
        out[n++] = (hi << 4) | lo;
        i += 3;
        continue;
      }
      out[n++] = c;
      i++;
      continue;
    }
    if (c === LF || (c === CR && input[i + 1] === LF)) {
      while (n > lineStart && (out[n - 1] === SP || out[n - 1] === HT)) n--;
      if (c === CR) {
        out[n++] = CR;
        i++;
      }
      out[n++] = LF;
      i++;
      lineStart = n;
      continue;
    }
    out[n++] = c;
    i++;
  }
  return out.subarray(0, n);
}

/** Undo a transfer encoding; identity encodings (7bit, 8bit, binary, unknown) return the bytes as they are. */
export function decodeTransfer(input: Uint8Array, start: number, end: number, encoding: string): Uint8Array {
  const enc = encoding.toLowerCase();
  if (enc === 'base64') return decodeBase64(input, start, end);
  if (enc === 'quoted-printable') return decodeQuotedPrintable(input, start, end);
  return input.subarray(start, end);
}
