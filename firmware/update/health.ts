// "Healthy" after an update, as the box sees it: the daemon answers on its
// admin socket, every listener it runs is `running`, and the web listener
// answers GET /health with 200. Polled until a deadline (a Pi 3 takes a while
// to start nine worker threads).

import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connectAdmin } from '../admin/index.ts';
import type { ListenerStatus } from '../supervisor/service.ts';
import type { HealthReport } from './apply.ts';

export interface BoxHealthOptions {
  readonly adminSocket: string;
  /** How long to wait for health in total. */
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A health check for UpdateDeps.health: polls until healthy or `timeoutMs` passed. */
export function boxHealthCheck(options: BoxHealthOptions): () => Promise<HealthReport> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async () => {
    const deadline = now() + options.timeoutMs;
    let last: HealthReport = { ok: false, detail: 'not checked yet' };
    for (;;) {
      last = await checkOnce(options.adminSocket);
      if (last.ok || now() >= deadline) return last;
      await sleep(options.intervalMs ?? 1000);
    }
  };
}

/** One look: admin status, then GET /health on the web listener. */
export async function checkOnce(adminSocket: string): Promise<HealthReport> {
  let listeners: readonly ListenerStatus[];
  try {
    const client = await connectAdmin(adminSocket, { timeoutMs: 5000 });
    try {
      listeners = ((await client.call('status')) as { listeners: readonly ListenerStatus[] }).listeners;
    } finally {
      client.close();
    }
  } catch (err) {
    return { ok: false, detail: `daemon not answering: ${err instanceof Error ? err.message : String(err)}` };
  }
  const down = listeners.filter((l) => l.state !== 'running');
  if (listeners.length === 0) return { ok: false, detail: 'no listeners reported' };
  if (down.length > 0) return { ok: false, detail: `not running: ${down.map((l) => `${l.name} (${l.state})`).join(', ')}` };
  const web = listeners.find((l) => l.name === 'web');
  if (web?.address === undefined) return { ok: true, detail: `${listeners.length} listeners running (no web listener)` };
  const host = ['0.0.0.0', '::', ''].includes(web.address.host) ? '127.0.0.1' : web.address.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  // The web listener serves HTTPS with the box's own (self-signed) certificate;
  // plain HTTP is still asked for where it is configured so.
  let last = '';
  for (const scheme of ['https', 'http'] as const) {
    const url = `${scheme}://${hostPart}:${web.address.port}/health`;
    try {
      const status = await getStatus(url);
      if (status === 200) return { ok: true, detail: `${listeners.length} listeners running, /health 200` };
      last = `${url} answered ${status}`;
    } catch (err) {
      last = `${url}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return { ok: false, detail: last };
}

/** GET a loopback URL, accepting the box's self-signed certificate; resolves with the status code. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
