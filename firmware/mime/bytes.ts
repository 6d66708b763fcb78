// Byte-level helpers. The parser works on the blob's bytes so every offset it
// reports is a real position in the file, whatever the line ends are.
import { Buffer, isAscii, isUtf8 } from 'node:buffer';

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HT = 9;

/** A Buffer view over the same memory (no copy), for the native indexOf. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Position of `byte` in [from, to), or -1. Bounded so a search never runs past the part it belongs to. */
export function indexOfByte(buf: Buffer, byte: number, from: number, to: number): number {
  if (from >= to) return -1;
  const i = buf.indexOf(byte, from);
  return i < 0 || i >= to ? -1 : i;
}

/** Bytes as one char per byte; lossless for any input. */
export function latin1(buf: Buffer, start = 0, end = buf.length): string {
  return buf.toString('latin1', start, end);
}

/** Raw 8-bit header text: UTF-8 when it is valid UTF-8 (RFC 6532), else one char per byte. */
export function utf8OrLatin1(buf: Buffer, start = 0, end = buf.length): string {
  const view = buf.subarray(start, end);
  if (isAscii(view) || isUtf8(view)) return view.toString('utf8');
  return view.toString('latin1');
}

/**
 * Text lines of a body, counted as line feeds (as Dovecot does). A part's
 * last line usually has none, since the line break before a boundary
 * belongs to the boundary.
 */
export function countLines(buf: Buffer, start: number, end: number): number {
  let lines = 0;
  let pos = start;
  for (;;) {
    const i = indexOfByte(buf, LF, pos, end);
    if (i < 0) return lines;
    lines++;
    pos = i + 1;
  }
}

/** SP or HTAB: what folds a header line and pads a boundary. */
export function isWsp(byte: number | undefined): boolean {
  return byte === SP || byte === HT;
}
