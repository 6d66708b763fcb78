// A miniature daemon for crash tests: opens the store, runs the smtp listener
// under the supervisor in a worker thread (as `pochta serve` does), and prints
// "READY <port>" once it answers. The test kills it with SIGKILL.
//   node daemon-child.ts DATA_DIR DNS_PORT

import { join } from 'node:path';
import { createLogger } from '../../../firmware/log.ts';
import { openStore } from '../../../firmware/store/index.ts';
import { createSupervisor, greetingProbe } from '../../../firmware/supervisor/index.ts';

const [dataDir, dnsPort] = process.argv.slice(2);
if (!dataDir || !dnsPort) throw new Error('usage: daemon-child.ts DATA_DIR DNS_PORT');

const store = await openStore({ dir: join(dataDir, 'store') });
await store.setSettings({
  'dnsbl.zones': [],
  'dns.servers': [`127.0.0.1:${dnsPort}`],
  'limits.messagesPerMinutePerIp': 100_000,
  'limits.connectionsPerIp': 100,
});
const supervisor = createSupervisor({
  store,
  log: createLogger({ level: 'silent' }),
  logLevel: 'silent',
  hostname: 'mx.test',
  dataDir,
  blobDir: join(dataDir, 'store', 'blobs'),
  tls: { certPath: join(dataDir, 'tls', 'cert.pem'), keyPath: join(dataDir, 'tls', 'key.pem') },
  dev: false,
  listeners: [
    {
      name: 'smtp',
      module: new URL('../../../firmware/smtp/service.ts', import.meta.url),
      address: { host: '127.0.0.1', port: 0 },
      probe: greetingProbe(/^220 /),
    },
  ],
  probe: { intervalMs: 5000, timeoutMs: 5000, failures: 3 },
  startTimeoutMs: 20_000,
});
await supervisor.start();
const port = supervisor.status().find((s) => s.name === 'smtp')?.address?.port;
process.stdout.write(`READY ${port}\n`);
