// The browser app's built files (webui/app/dist), served by the box itself:
// hashed asset names are cached for a year, everything else revalidates; a
// precompressed .br/.gz beside a file is used when the browser takes it, else
// text is compressed once with node:zlib and kept in memory (the app is small).
// Paths without a file extension are app routes and get index.html.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest']);
/** file-3f9a0c1b.js, app.4e5d6f7a8b.css: a content hash in the name means the content never changes. */
const HASHED = /[.-][A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

interface Variant {
  readonly body: Buffer;
  readonly encoding?: 'br' | 'gzip';
}

interface CachedFile {
  readonly mtimeMs: number;
  readonly size: number;
  readonly etag: string;
  readonly variants: Map<string, Variant>;
}

export interface StaticFiles {
  handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

export function createStaticFiles(root: string): StaticFiles {
  const cache = new Map<string, CachedFile>();

  const load = async (path: string): Promise<CachedFile | undefined> => {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const body = await readFile(path);
    const entry: CachedFile = {
      mtimeMs: info.mtimeMs,
      size: info.size,
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`,
      variants: new Map([['identity', { body }]]),
    };
    cache.set(path, entry);
    return entry;
  };

  const variant = async (path: string, file: CachedFile, accept: string): Promise<Variant> => {
    const ext = extname(path);
    const wants = (enc: string) => new RegExp(`(^|,)\\s*${enc}\\s*(;\\s*q=(?!0(\\.0*)?\\s*($|,))[\\d.]+)?\\s*($|,)`).test(accept);
    for (const [enc, suffix, name] of [
      ['br', '.br', 'br'],
      ['gzip', '.gz', 'gzip'],
    ] as const) {
      if (!wants(enc)) continue;
      const known = file.variants.get(name);
      if (known) return known;
      const pre = await readFile(path + suffix).catch(() => undefined);
      if (pre) {
        const v = { body: pre, encoding: name };
        file.variants.set(name, v);
        return v;
      }
      if (COMPRESSIBLE.has(ext) && file.size > 1024) {
        const raw = file.variants.get('identity')!.body;
        const body =
          name === 'br' ? brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }) : gzipSync(raw, { level: 9 });
        const v = { body, encoding: name };
        file.variants.set(name, v);
        return v;
      }
    }
    return file.variants.get('identity')!;
  };

  return {
    async handle(request, reply) {
      const url = request.url.split('?')[0] ?? '/';
      let rel: string;
      try {
        rel = decodeURIComponent(url);
      } catch {
        return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'Bad path.' } });
      }
      const clean = normalize(rel).replace(/^([/\\])+/, '');
      if (clean.split(/[/\\]/).includes('..') || rel.includes('\0')) {
        return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such page.' } });
      }
      let path = join(root, clean === '' ? 'index.html' : clean);
      if (!path.startsWith(root + sep) && path !== root)
        return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such page.' } });
      let file = await load(path);
      let appRoute = false;
      if (!file && extname(clean) === '') {
        // An app route (/users, /settings/tls): the app decides what to show.
        path = join(root, 'index.html');
        file = await load(path);
        appRoute = true;
      }
      if (!file) {
        if (extname(clean) === '') {
          return reply
            .code(503)
            .type('text/plain; charset=utf-8')
            .send('The web app has not been built (no webui/app/dist/index.html). Run the app build, then reload.\n');
        }
        return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'No such file.' } });
      }
      const ext = extname(path);
      reply.header('content-type', TYPES[ext] ?? 'application/octet-stream');
      reply.header('vary', 'accept-encoding');
      reply.header('etag', file.etag);
      reply.header('cache-control', !appRoute && HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      const v = await variant(path, file, String(request.headers['accept-encoding'] ?? ''));
      if (v.encoding) reply.header('content-encoding', v.encoding);
      return reply.send(v.body);
    },
  };
}
