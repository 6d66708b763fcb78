// Builds the browser app into webui/app/dist: one minified JS bundle and one
// CSS file with content-hashed names (so the server may cache them forever),
// an index.html that names them, and .gz/.br copies of each text file so the
// box serves compressed bytes without compressing on every request.
//
// Run: `npm run build:web` (node webui/app/build.ts [--out DIR]).

import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlibConstants } from 'node:zlib';
import { build } from 'esbuild';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

const HERE = dirname(fileURLToPath(import.meta.url));

export interface BuiltFile {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
}

/** Build the app into `outDir` (emptied first); resolves with the size of each file. */
export async function buildWebApp(outDir: string = join(HERE, 'dist')): Promise<BuiltFile[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(HERE, 'src/main.tsx'), style: join(HERE, 'src/styles.css') },
    outdir: outDir,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    // Browsers a small office still runs, phones included.
    target: ['chrome100', 'firefox100', 'safari15', 'edge100'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((n) => n.endsWith('.js'));
  const css = outputs.find((n) => n.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild made no bundle: ${outputs.join(', ')}`);
  const template = await readFile(join(HERE, 'src/index.html'), 'utf8');
  await writeFile(join(outDir, 'index.html'), template.replace('{{css}}', `/${css}`).replace('{{js}}', `/${js}`));

  const files: BuiltFile[] = [];
  for (const name of (await readdir(outDir)).sort()) {
    if (!/\.(js|css|html|svg)$/.test(name)) continue;
    const bytes = await readFile(join(outDir, name));
    const gz = await gzipAsync(bytes, { level: 9 });
    const br = await brotliAsync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } });
    await writeFile(join(outDir, `${name}.gz`), gz);
    await writeFile(join(outDir, `${name}.br`), br);
    files.push({ name, bytes: (await stat(join(outDir, name))).size, gzipBytes: gz.length, brotliBytes: br.length });
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFlag = process.argv.indexOf('--out');
  const outDir = outFlag > 0 ? process.argv[outFlag + 1] : undefined;
  const started = performance.now();
  const files = await buildWebApp(outDir);
  for (const f of files)
    console.log(`${f.name.padEnd(28)} ${String(f.bytes).padStart(7)} B  gzip ${String(f.gzipBytes).padStart(6)} B  br ${f.brotliBytes} B`);
  console.log(`built in ${Math.round(performance.now() - started)} ms`);
}
