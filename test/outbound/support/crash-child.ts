// Child process for the crash test: opens the store, runs queue passes until
// the queue is empty, and is killed with SIGKILL by the parent part-way through.
// argv: dataDir dnsServer mxPort

import { QueueRunner } from '../../../firmware/delivery/outbound/runner.ts';
import { DnsResolver } from '../../../firmware/net/resolver.ts';
import { openStore } from '../../../firmware/store/index.ts';
import { memoryLogger } from './harness.ts';

const [dir = '', dnsServer = '', port = '25'] = process.argv.slice(2);
const store = await openStore({ dir });
const resolver = new DnsResolver({ servers: [dnsServer], timeoutMs: 500, tries: 1 });
const runner = new QueueRunner({
  store,
  hostname: 'box.here.test',
  now: Date.now,
  log: memoryLogger(),
  resolverFor: () => resolver,
  mxPort: Number(port),
  concurrency: 8,
});
for (let pass = 0; pass < 100; pass++) {
  await runner.runOnce();
  if ((await store.listQueue()).length === 0) break;
}
await store.close();
