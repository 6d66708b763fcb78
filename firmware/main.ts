// The `pochta` entry point. bin/pochta.js imports main() from here (or from
// the dist/ build); `node firmware/main.ts ...` runs it directly.

// First, before any module that could start libuv's thread pool (see thread-pool.ts).
import './thread-pool.ts';
import { readFileSync } from 'node:fs';
import { processIo } from './cli/io.ts';
import { runCli } from './cli/run.ts';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    if (typeof pkg.version === 'string') return pkg.version;
  } catch {
    // From the dist/ build package.json is one level further up.
  }
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Run `pochta ARGS...` and exit with its code. */
export async function main(argv: readonly string[]): Promise<never> {
  let code: number;
  try {
    code = await runCli(argv, processIo(), packageVersion());
  } catch (err) {
    process.stderr.write(`pochta: ${(err as Error)?.stack ?? String(err)}\n`);
    code = 70;
  }
  // Exit explicitly: a verb is done when runCli resolves, whatever handles remain (stdin, timers).
  process.exit(code);
}

if (import.meta.main) await main(process.argv.slice(2));
