// `npm run bench -- NAME [args]`: runs test/bench/NAME.ts, whose default export
// is `(args: string[]) => Promise<void>` and prints its own table.
// UV_THREADPOOL_SIZE may be set to measure another pool size.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// Benchmarks run with the thread-pool size the daemon uses (body fsyncs run
// there); it must be set before the pool starts, hence a fresh process.
export const DAEMON_THREADPOOL_SIZE = '8';
if (process.env.UV_THREADPOOL_SIZE === undefined) {
  const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: DAEMON_THREADPOOL_SIZE },
  });
  process.exit(child.status ?? 1);
}

const here = path.dirname(new URL(import.meta.url).pathname);
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -3));

if (name === undefined || !/^[a-z0-9-]+$/.test(name) || !existsSync(path.join(here, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ')}`);
  process.exit(64);
}
const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { default: (args: string[]) => Promise<void> };
await mod.default(args);
