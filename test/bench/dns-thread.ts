// A test DNS server (no records) on its own thread, for benchmarks: on the box
// the local resolver is its own process, so its answers must not wait for the
// benchmark's client loops on the same event loop. Posts its port, then
// serves until the thread is terminated.
import { parentPort, Worker } from 'node:worker_threads';
import { TestDnsServer } from '../support/dns-server.ts';

if (parentPort) {
  const server = await TestDnsServer.start();
  parentPort.postMessage(server.port);
}

/** Start the DNS thread; resolves with its port and a stop function. */
export async function startDnsThread(): Promise<{ port: number; stop: () => Promise<void> }> {
  const worker = new Worker(new URL(import.meta.url));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    port,
    stop: async () => {
      await worker.terminate();
    },
  };
}
