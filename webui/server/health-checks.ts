// The mail health page: each check green or red, with what was found and what
// to do, in plain words. Every check runs on its own: one that fails to run is
// 'unknown', never a reason to hide the others.

import type { Resolver } from '../../firmware/net/resolver.ts';
import type { DnsAdviceResponse, HealthCheck, ListenerView, QueueSummary, SystemFacts, TlsInfo } from '../api-types.ts';

export interface HealthInputs {
  readonly now: number;
  readonly listeners: () => Promise<readonly ListenerView[]>;
  readonly queue: () => Promise<readonly QueueSummary[]>;
  readonly tls: () => Promise<TlsInfo>;
  readonly system: () => Promise<SystemFacts>;
  /** DNS advice per served domain. */
  readonly dns: () => Promise<readonly DnsAdviceResponse[]>;
  readonly smarthost: () => Promise<{ host: string; port: number } | null>;
  readonly resolver: () => Promise<Resolver>;
  readonly probeTcp: (host: string, port: number, timeoutMs: number) => Promise<boolean>;
}

/** A big, always-on mail provider whose MX tells whether the box can reach port 25 at all. */
export const OUTBOUND_PROBE_DOMAIN = 'gmail.com';

const HOUR = 3_600_000;

async function guard(id: string, title: string, run: () => Promise<Omit<HealthCheck, 'id' | 'title'>>): Promise<HealthCheck> {
  try {
    return { id, title, ...(await run()) };
  } catch (err) {
    return { id, title, status: 'unknown', detail: `Could not check this: ${(err as Error)?.message ?? String(err)}` };
  }
}

export async function runHealthChecks(input: HealthInputs): Promise<HealthCheck[]> {
  const checks: Promise<HealthCheck | HealthCheck[]>[] = [];

  checks.push(
    guard('listeners', 'Mail services running', async () => {
      const listeners = await input.listeners();
      const down = listeners.filter((l) => l.state !== 'running');
      if (down.length === 0) return { status: 'ok', detail: `All ${listeners.length} services are running.` };
      const failed = down.filter((l) => l.state === 'failed');
      return {
        status: failed.length > 0 ? 'fail' : 'warn',
        detail: down.map((l) => `${l.name} is ${l.state}${l.lastError ? ` (${l.lastError})` : ''}`).join('; '),
        fix: 'Restart the service from the dashboard. If it keeps failing, look at the log for its name, and check the disk and the certificate.',
      };
    }),
  );

  checks.push(
    guard('outbound', 'Outgoing mail route', async () => {
      const smarthost = await input.smarthost();
      if (smarthost) {
        const ok = await input.probeTcp(smarthost.host, smarthost.port, 5000);
        return ok
          ? { status: 'ok', detail: `The relay server ${smarthost.host}:${smarthost.port} answers.` }
          : {
              status: 'fail',
              detail: `The relay server ${smarthost.host}:${smarthost.port} cannot be reached.`,
              fix: 'Check the relay host name and port in Settings, and that the office internet connection works. Use "Send test message" to see the server\'s answer.',
            };
      }
      const resolver = await input.resolver();
      const mx = await resolver.resolveMx(OUTBOUND_PROBE_DOMAIN);
      const host = [...mx.records].sort((a, b) => a.priority - b.priority)[0]?.exchange;
      if (!host) return { status: 'unknown', detail: 'Could not look up a mail server to test with; is DNS working?' };
      const ok = await input.probeTcp(host, 25, 5000);
      return ok
        ? { status: 'ok', detail: 'The box can reach other mail servers directly (port 25).' }
        : {
            status: 'fail',
            detail: 'The box cannot open connections to other mail servers on port 25. Many internet providers block it.',
            fix: 'Ask your provider to open outgoing port 25, or set a relay server (smarthost) of your provider in Settings.',
          };
    }),
  );

  checks.push(
    guard('certificate', 'Security certificate', async () => {
      const tls = await input.tls();
      if (tls.daysLeft < 0)
        return {
          status: 'fail',
          detail: 'The certificate has expired.',
          fix: 'Upload a new certificate in Settings → Certificate, or make a new self-signed one.',
        };
      if (tls.daysLeft < 14)
        return {
          status: 'warn',
          detail: `The certificate expires in ${tls.daysLeft} days.`,
          fix: 'Upload a renewed certificate in Settings → Certificate.',
        };
      return {
        status: 'ok',
        detail: `Valid for ${tls.daysLeft} more days${tls.selfSigned ? ' (self-signed: mail programs ask once whether to trust it)' : ''}.`,
      };
    }),
  );

  checks.push(
    guard('queue', 'Outgoing mail waiting', async () => {
      const queue = await input.queue();
      if (queue.length === 0) return { status: 'ok', detail: 'No mail is waiting to go out.' };
      const oldest = Math.min(...queue.map((q) => q.createdAt));
      const hours = Math.floor((input.now - oldest) / HOUR);
      if (hours >= 4) {
        return {
          status: 'warn',
          detail: `${queue.length} message(s) waiting; the oldest for ${hours} hours.`,
          fix: 'Open the queue to see why (the last error of each message). Most often the other server is down or refuses us; check the outgoing route above.',
        };
      }
      return { status: 'ok', detail: `${queue.length} message(s) on their way.` };
    }),
  );

  checks.push(
    guard('system', 'Disk, memory and temperature', async () => {
      const facts = await input.system();
      const problems: string[] = [];
      const fixes: string[] = [];
      let status: HealthCheck['status'] = 'ok';
      if (facts.disk) {
        const freePct = (facts.disk.freeBytes / Math.max(1, facts.disk.totalBytes)) * 100;
        if (freePct < 5) {
          status = 'fail';
          problems.push(`only ${freePct.toFixed(1)}% of the disk is free`);
          fixes.push('Delete old mail or move to a bigger SD card / USB disk (back up first).');
        } else if (freePct < 15) {
          status = 'warn';
          problems.push(`${freePct.toFixed(0)}% of the disk is free`);
          fixes.push('Plan for more space: large mailboxes can be cleaned up by their users.');
        }
      }
      const memPct = (facts.memory.availableBytes / Math.max(1, facts.memory.totalBytes)) * 100;
      if (memPct < 5) {
        status = status === 'fail' ? 'fail' : 'warn';
        problems.push(`memory is nearly full (${memPct.toFixed(0)}% free)`);
        fixes.push('Restart the box during a quiet hour; if it comes back, look at the log.');
      }
      if (facts.cpuTempC !== undefined && facts.cpuTempC >= 80) {
        status = 'fail';
        problems.push(`the processor is hot (${facts.cpuTempC.toFixed(0)} °C)`);
        fixes.push('Give the box air: not in a closed cupboard, not next to a heater; a case with a heatsink helps.');
      }
      if (facts.throttled?.undervoltageNow || facts.throttled?.undervoltageSinceBoot) {
        status = 'fail';
        problems.push('the power supply is too weak (undervoltage)');
        fixes.push('Use the official power supply (5.1 V, 3 A or more) and a short, thick cable. Weak power can damage the SD card.');
      } else if (facts.throttled?.throttledNow) {
        status = status === 'fail' ? 'fail' : 'warn';
        problems.push('the processor is slowed down (throttled)');
        fixes.push('Usually heat or power: see above.');
      }
      if (problems.length === 0) {
        const parts = [
          facts.disk ? `${Math.round(facts.disk.freeBytes / 1024 ** 3)} GB free on disk` : undefined,
          `${Math.round(facts.memory.availableBytes / 1024 ** 2)} MB memory free`,
          facts.cpuTempC !== undefined ? `${facts.cpuTempC.toFixed(0)} °C` : undefined,
        ].filter(Boolean);
        return { status: 'ok', detail: `${parts.join(', ')}.` };
      }
      return { status, detail: `${problems.join('; ')}.`, fix: fixes.join(' ') };
    }),
  );

  checks.push(
    (async () => {
      let advice: readonly DnsAdviceResponse[];
      try {
        advice = await input.dns();
      } catch (err) {
        return [{ id: 'dns', title: 'DNS records', status: 'unknown' as const, detail: `Could not check DNS: ${String(err)}` }];
      }
      if (advice.length === 0) {
        return [
          {
            id: 'dns',
            title: 'DNS records',
            status: 'warn' as const,
            detail: 'No mail domain is set up yet.',
            fix: 'Add your domain under Domains.',
          },
        ];
      }
      return advice.flatMap((a) => [
        ...a.records
          .filter((r) => r.type !== 'SRV')
          .map((r): HealthCheck => {
            const label =
              r.type === 'MX'
                ? 'MX'
                : r.name.startsWith('_dmarc.')
                  ? 'DMARC'
                  : r.name.includes('._domainkey.')
                    ? 'DKIM'
                    : r.type === 'TXT'
                      ? 'SPF'
                      : r.name.split('.')[0]!;
            const id = `dns-${label.toLowerCase()}-${a.domain}`;
            const title = `${label} record for ${a.domain}`;
            const fix = `Publish at your DNS provider: ${r.name} ${r.type} ${r.priority !== undefined ? `${r.priority} ` : ''}${r.value} (see the DNS helper page for copy buttons).`;
            switch (r.published.status) {
              case 'match':
                return { id, title, status: 'ok', detail: 'Published as it should be.' };
              case 'missing':
                return {
                  id,
                  title,
                  status: label === 'autoconfig' || label === 'autodiscover' || label === 'DMARC' ? 'warn' : 'fail',
                  detail: 'Not published.',
                  fix,
                };
              case 'different':
                return { id, title, status: 'warn', detail: `Published, but different: ${r.published.answers.join(' | ')}`, fix };
              default:
                return {
                  id,
                  title,
                  status: 'unknown',
                  detail: 'The DNS did not answer.',
                  fix: 'Check the DNS servers in Settings (dns.servers) and the internet connection.',
                };
            }
          }),
        ...srvCheck(a),
      ]);
    })(),
  );

  return (await Promise.all(checks)).flat();
}

/** The RFC 6186 SRV records of a domain as one check: optional, so never worse than "check this". */
function srvCheck(advice: DnsAdviceResponse): HealthCheck[] {
  const srv = advice.records.filter((r) => r.type === 'SRV');
  if (srv.length === 0) return [];
  const id = `dns-srv-${advice.domain}`;
  const title = `Mail app service records (SRV) for ${advice.domain}`;
  const off = srv.filter((r) => r.published.status === 'missing' || r.published.status === 'different');
  if (srv.every((r) => r.published.status === 'unknown')) {
    return [{ id, title, status: 'unknown', detail: 'The DNS did not answer.', fix: 'Check the DNS servers in Settings (dns.servers).' }];
  }
  if (off.length === 0) return [{ id, title, status: 'ok', detail: `All ${srv.length} are published as they should be.` }];
  return [
    {
      id,
      title,
      status: 'warn',
      detail: `${off.length} of ${srv.length} are missing or different: ${off.map((r) => r.name.split('.').slice(0, 2).join('.')).join(', ')}.`,
      fix: 'Optional, but they let mail apps set themselves up from the address alone: publish them from the DNS records page (copy buttons).',
    },
  ];
}
