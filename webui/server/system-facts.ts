// Host facts for the dashboard and the health page: CPU temperature (through
// systeminformation), load, memory, disk free where the data lives, uptime,
// addresses, and the Pi's throttling flags from `vcgencmd get_throttled`.

import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { availableParallelism, freemem, loadavg, networkInterfaces, totalmem, uptime } from 'node:os';
import { promisify } from 'node:util';
import type { SystemFacts, Throttling } from '../api-types.ts';

const execFileAsync = promisify(execFile);

/** Decode `throttled=0x50005` (bits 0/2 now, 16/18 since boot). */
export function parseThrottled(output: string): Throttling | undefined {
  const match = /throttled=(0x[0-9a-f]+)/i.exec(output);
  if (!match) return undefined;
  const bits = Number.parseInt(match[1]!, 16);
  return {
    raw: match[1]!,
    undervoltageNow: (bits & 0x1) !== 0,
    throttledNow: (bits & 0x4) !== 0,
    undervoltageSinceBoot: (bits & 0x10000) !== 0,
    throttledSinceBoot: (bits & 0x40000) !== 0,
  };
}

export interface SystemFactsOptions {
  readonly dataDir: string;
  /** `vcgencmd`; absent off the Pi (then no throttling facts). */
  readonly vcgencmd?: string;
}

export async function readSystemFacts(options: SystemFactsOptions): Promise<SystemFacts> {
  const [temp, mem, disk, throttled] = await Promise.all([
    import('systeminformation')
      .then((si) => si.cpuTemperature())
      .then((t) => (typeof t.main === 'number' && t.main > -50 ? t.main : undefined))
      .catch(() => undefined),
    import('systeminformation')
      .then((si) => si.mem())
      .then((m) => ({ totalBytes: m.total, availableBytes: m.available }))
      .catch(() => ({ totalBytes: totalmem(), availableBytes: freemem() })),
    statfs(options.dataDir)
      .then((s) => ({ path: options.dataDir, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize }))
      .catch(() => undefined),
    execFileAsync(options.vcgencmd ?? 'vcgencmd', ['get_throttled'], { timeout: 2000 })
      .then((r) => parseThrottled(r.stdout))
      .catch(() => undefined),
  ]);
  const load = loadavg();
  const addresses: { iface: string; address: string; family: 'IPv4' | 'IPv6' }[] = [];
  for (const [iface, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? [])
      if (!a.internal) addresses.push({ iface, address: a.address, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' });
  }
  return {
    ...(temp !== undefined ? { cpuTempC: temp } : {}),
    load: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    cpus: availableParallelism(),
    memory: mem,
    ...(disk ? { disk } : {}),
    uptimeSeconds: Math.round(uptime()),
    addresses,
    ...(throttled ? { throttled } : {}),
  };
}
