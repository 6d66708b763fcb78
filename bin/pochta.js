#!/usr/bin/env node
// The `pochta` command. It runs firmware/main on Node 24:
//  - the compiled dist/firmware/main.js when `npm run build` made one,
//  - else the TypeScript source (Node 24 strips types itself).
// When started by an older system node, it re-runs itself with the Node 24
// pinned in node_modules (the `node` devDependency), passing stdio, signals
// and the exit code through.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  const dist = join(root, 'dist', 'firmware', 'main.js');
  const entry = existsSync(dist) ? dist : join(root, 'firmware', 'main.ts');
  const { main } = await import(pathToFileURL(entry).href);
  await main(process.argv.slice(2));
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(`pochta: needs Node 24 (this is ${process.version}); run npm ci in ${root} to get the pinned one\n`);
    process.exit(69);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 1)));
}
