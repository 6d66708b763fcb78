// The web app's size budget (issue 7: no page over 150 KB of compressed
// JavaScript) and self-containment (everything served by the box), checked
// on a fresh build in a temp dir so it never depends on a stale dist/.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type BuiltFile, buildWebApp } from '../../../webui/app/build.ts';

const BUDGET_BYTES = 150 * 1024;

let out: string;
let files: BuiltFile[];

before(async () => {
  out = await mkdtemp(join(tmpdir(), 'pochta-web-build-'));
  files = await buildWebApp(out);
});

after(async () => {
  await rm(out, { recursive: true, force: true });
});

test('the page loads under 150 KB of compressed JavaScript (gzip and brotli)', async () => {
  const html = await readFile(join(out, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*src="\/([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 1, 'index.html loads one bundle');
  // esbuild splits nothing today; count every .js file so a future split cannot hide bytes.
  const js = files.filter((f) => f.name.endsWith('.js'));
  assert.ok(js.length >= 1);
  const gzip = js.reduce((sum, f) => sum + f.gzipBytes, 0);
  const brotli = js.reduce((sum, f) => sum + f.brotliBytes, 0);
  console.log(
    `web app JavaScript: ${js.map((f) => `${f.name} ${f.bytes} B`).join(', ')}; gzip ${gzip} B, brotli ${brotli} B (budget ${BUDGET_BYTES} B)`,
  );
  assert.ok(gzip <= BUDGET_BYTES, `gzip ${gzip} B over the ${BUDGET_BYTES} B budget`);
  assert.ok(brotli <= BUDGET_BYTES, `brotli ${brotli} B over the ${BUDGET_BYTES} B budget`);
});

test('index.html names files that exist, each with .gz and .br copies that decode to it', async () => {
  const html = await readFile(join(out, 'index.html'), 'utf8');
  const names = new Set(await readdir(out));
  const referenced = [...html.matchAll(/(?:src|href)="\/([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(referenced.some((r) => r.endsWith('.css')) && referenced.some((r) => r.endsWith('.js')));
  for (const name of [...referenced, 'index.html']) {
    assert.ok(names.has(name), `${name} built`);
    assert.ok(names.has(`${name}.gz`) && names.has(`${name}.br`), `${name} has compressed copies`);
    assert.deepEqual(gunzipSync(await readFile(join(out, `${name}.gz`))), await readFile(join(out, name)));
  }
  // Content-hashed names let the server cache them for good.
  for (const name of referenced) assert.match(name, /-[A-Z0-9]{8}\.(js|css)$/);
});

test('nothing is fetched from outside the box (no CDN, no external fonts)', async () => {
  for (const name of await readdir(out)) {
    if (!/\.(html|css|js)$/.test(name)) continue;
    const text = await readFile(join(out, name), 'utf8');
    // Namespace URIs inside inline SVG are names, not fetches.
    const external = [...text.matchAll(/(?:src=|href=|url\(|import\s*\(?|fetch\()\s*["']?(https?:)?\/\/[^"')\s]+/g)].map((m) => m[0]);
    assert.deepEqual(external, [], `${name} loads from outside the box`);
    assert.doesNotMatch(text, /@import\s+url|fonts\.googleapis|cdn\./i, name);
  }
});
