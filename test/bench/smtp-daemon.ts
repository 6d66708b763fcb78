// What the SMTP-driven benches share: a real `pochta serve` with only the
// inbound listener, a domain and users to deliver to, no DNSBL and limits
// out of the way, and a DNS server on its own thread standing in for the
// box's local resolver (no records: SPF, DKIM and DMARC find nothing).

import { startDaemon, type TestDaemon } from '../support/daemon.ts';
import { startDnsThread } from './dns-thread.ts';

const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n';
/** The benches' 10 KB message. */
export const BENCH_MESSAGE = `From: bench@remote.test\r\nSubject: bench\r\n\r\n${line.repeat(Math.ceil(10_240 / line.length))}`;

export interface SmtpBenchDaemon {
  readonly daemon: TestDaemon;
  /** The inbound listener's port. */
  readonly port: number;
  /** Local recipient i (of the users made). */
  recipient(i: number): string;
  stop(): Promise<void>;
}

export async function startSmtpBenchDaemon(options: { users: number; env?: Record<string, string> }): Promise<SmtpBenchDaemon> {
  const dns = await startDnsThread();
  const daemon = await startDaemon({ only: ['smtp'], logLevel: 'warn', ...(options.env ? { env: options.env } : {}) });
  const stop = async () => {
    await daemon.stop();
    await dns.stop();
  };
  try {
    await daemon.admin('domain.add', { name: 'example.test' });
    for (let i = 0; i < options.users; i++) {
      await daemon.admin('user.add', { address: `u${i}@example.test`, password: `Bench-password-${i}-long-enough` });
    }
    const settings: Record<string, unknown> = {
      'dnsbl.zones': [],
      'dns.servers': [`127.0.0.1:${dns.port}`],
      'limits.messagesPerMinutePerIp': 100_000,
      'limits.connectionsPerIp': 1000,
      'limits.connectionsTotal': 1000,
    };
    for (const [key, value] of Object.entries(settings)) await daemon.admin('settings.set', { key, value });
  } catch (err) {
    await stop();
    throw err;
  }
  return { daemon, port: daemon.ports.smtp, recipient: (i) => `u${i % options.users}@example.test`, stop };
}
