// A minimal ustar writer and reader for backups: regular files and
// directories only, names up to 255 bytes (prefix + name), no links. The web
// UI streams a backup snapshot as one tar; a staged restore reads it back.
// Hand-rolled because the format is small and the `tar` CLI may be absent.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, stat } from 'node:fs/promises';
import { join, posix, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { PochtaError } from '../errors.ts';

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** One ustar header block. */
export function tarHeader(name: string, size: number, type: 'file' | 'dir', mtimeMs: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: name too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  header.write(base, 0, 100, 'utf8');
  header.write(octal(type === 'dir' ? 0o755 : 0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(type === 'dir' ? 0 : size, 12), 124, 'ascii');
  header.write(octal(Math.floor(mtimeMs / 1000), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write(type === 'dir' ? '5' : '0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

async function* walk(root: string, rel: string): AsyncGenerator<{ rel: string; abs: string; dir: boolean }> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const childRel = rel === '' ? entry.name : posix.join(rel, entry.name);
    const abs = join(root, childRel);
    if (entry.isDirectory()) {
      yield { rel: childRel, abs, dir: true };
      yield* walk(root, childRel);
    } else if (entry.isFile()) {
      yield { rel: childRel, abs, dir: false };
    }
  }
}

async function* tarChunks(root: string): AsyncGenerator<Buffer> {
  for await (const entry of walk(root, '')) {
    const info = await stat(entry.abs);
    if (entry.dir) {
      yield tarHeader(`${entry.rel}/`, 0, 'dir', info.mtimeMs);
      continue;
    }
    yield tarHeader(entry.rel, info.size, 'file', info.mtimeMs);
    let written = 0;
    // The snapshot is immutable while it streams, so the size read above holds.
    for await (const chunk of createReadStream(entry.abs)) {
      written += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (written !== info.size) throw new Error(`tar: ${entry.rel} changed while being read`);
    const pad = (BLOCK - (info.size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** A tar stream of everything under `root` (paths relative to it, sorted). */
export function tarDirectory(root: string): Readable {
  return Readable.from(tarChunks(root), { objectMode: false });
}

export interface TarEntry {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'other';
  readonly size: number;
}

function parseHeader(block: Buffer): TarEntry | undefined {
  if (block.every((b) => b === 0)) return undefined;
  const field = (start: number, length: number) => {
    const raw = block.subarray(start, start + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? length : end).toString('utf8');
  };
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  if (Number.parseInt(field(148, 8).trim(), 8) !== sum)
    throw new PochtaError('INVALID_ARGUMENT', 'file: this is not a tar file (bad header checksum)');
  const prefix = field(345, 155);
  const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
  const size = Number.parseInt(field(124, 12).trim() || '0', 8);
  const flag = field(156, 1);
  const type = flag === '5' ? 'dir' : flag === '0' || flag === '' ? 'file' : 'other';
  return { name, type, size: Number.isFinite(size) ? size : 0 };
}

/**
 * Read the entries of a tar file; with `extractTo`, write files and
 * directories there (names that would leave it are refused).
 */
export async function readTar(file: string, options: { extractTo?: string } = {}): Promise<TarEntry[]> {
  const handle = await open(file, 'r');
  const entries: TarEntry[] = [];
  try {
    const { size: total } = await handle.stat();
    let pos = 0;
    const block = Buffer.alloc(BLOCK);
    while (pos + BLOCK <= total) {
      await handle.read(block, 0, BLOCK, pos);
      pos += BLOCK;
      const entry = parseHeader(block);
      if (!entry) break;
      entries.push(entry);
      const dataSize = entry.type === 'dir' ? 0 : entry.size;
      if (options.extractTo !== undefined) await extractEntry(handle, pos, entry, options.extractTo);
      pos += Math.ceil(dataSize / BLOCK) * BLOCK;
      if (pos > total) throw new PochtaError('INVALID_ARGUMENT', 'file: the tar file is cut short');
    }
  } finally {
    await handle.close();
  }
  return entries;
}

async function extractEntry(handle: Awaited<ReturnType<typeof open>>, pos: number, entry: TarEntry, dest: string): Promise<void> {
  const root = resolve(dest);
  const target = resolve(root, entry.name);
  if (!target.startsWith(root + sep) && target !== root)
    throw new PochtaError('INVALID_ARGUMENT', `file: unsafe name in the tar file: ${entry.name}`);
  if (entry.type === 'dir') {
    await mkdir(target, { recursive: true });
    return;
  }
  if (entry.type !== 'file') return;
  await mkdir(resolve(target, '..'), { recursive: true });
  const out = await open(target, 'w', 0o640);
  try {
    const buffer = Buffer.alloc(Math.min(entry.size, 1 << 20) || 1);
    let done = 0;
    while (done < entry.size) {
      const want = Math.min(buffer.length, entry.size - done);
      const { bytesRead } = await handle.read(buffer, 0, want, pos + done);
      if (bytesRead === 0) throw new PochtaError('INVALID_ARGUMENT', 'file: the tar file is cut short');
      await out.write(buffer, 0, bytesRead);
      done += bytesRead;
    }
    await out.sync();
  } finally {
    await out.close();
  }
}
