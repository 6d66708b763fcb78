// `npm run bench -- memory [messages]`: the RSS of an SMTP-only `pochta serve`
// idle and after N (default 10,000) 10 KB messages from 10 clients, once with
// V8's own heap sizing for this machine and once with the limits
// pochta.service sets on the box (NODE_OPTIONS), side by side.

import { readFile } from 'node:fs/promises';
import { dataBlock, Transcript } from '../smtp/helpers/transcript.ts';
import { BENCH_MESSAGE, startSmtpBenchDaemon } from './smtp-daemon.ts';

/** What image/systemd/pochta.service sets. */
const BOX_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=256';

async function rssMiB(pid: number): Promise<number> {
  return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

async function run(messages: number, env: Record<string, string>): Promise<{ idle: number; after: number }> {
  const bench = await startSmtpBenchDaemon({ users: 1, env });
  const { daemon } = bench;
  try {
    const idle = await rssMiB(daemon.pid);
    const data = dataBlock(BENCH_MESSAGE);
    let n = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = await Transcript.open({ port: daemon.ports.smtp });
        await c.expect(/^220 /);
        await c.cmd('EHLO bench.test', /^250/);
        while (n < messages) {
          n++;
          await c.cmd('MAIL FROM:<bench@remote.test>', /^250/);
          await c.cmd('RCPT TO:<u0@example.test>', /^250/);
          await c.cmd('DATA', /^354/);
          c.write(data);
          await c.expect(/^250 /);
        }
        await c.cmd('QUIT', /^221/);
        c.close();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return { idle, after: await rssMiB(daemon.pid) };
  } finally {
    await bench.stop();
  }
}

export default async function bench(args: string[]): Promise<void> {
  const messages = Number(args[0] ?? 10_000);
  console.log(`RSS of an SMTP-only pochta serve, idle and after ${messages} messages of 10 KB (10 clients)`);
  for (const [name, env] of [
    ['V8 defaults', {}],
    [`box (${BOX_NODE_OPTIONS})`, { NODE_OPTIONS: BOX_NODE_OPTIONS }],
  ] as const) {
    const r = await run(messages, env);
    console.log(`${name.padEnd(60)} idle ${r.idle.toFixed(0).padStart(4)} MiB  after ${r.after.toFixed(0).padStart(4)} MiB`);
  }
}
