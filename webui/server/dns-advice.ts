// The DNS records a domain needs for mail to reach the box and be trusted,
// and what the DNS answers for them now (through the project's Resolver, so
// the dns.servers setting applies and tests use their own DNS server).

import type { Resolver } from '../../firmware/net/resolver.ts';
import type { DnsAdviceResponse, DnsRecordAdvice } from '../api-types.ts';
import { MAIL_PORTS } from './client-config.ts';
import type { SrvLookup } from './srv-lookup.ts';

export interface DnsAdviceInput {
  readonly domain: string;
  /** The box's mail host name: MX target, CNAME target, SRV target. */
  readonly hostname: string;
  /** The domain's DKIM record from the store (domain.list). */
  readonly dkim?: { readonly name: string; readonly value: string };
  /** The smarthost, when outbound mail goes through one (SPF must allow it). */
  readonly smarthost?: string;
}

type Published = DnsRecordAdvice['published'];

const norm = (s: string) => s.trim().toLowerCase().replace(/\.$/, '');
const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();

async function look(fn: () => Promise<Published>): Promise<Published> {
  try {
    return await fn();
  } catch {
    return { status: 'unknown', answers: [] };
  }
}

/** `srvLookup`: SRV lookups at the same servers; without it the SRV records are listed but not checked. */
export async function dnsAdvice(input: DnsAdviceInput, resolver: Resolver, srvLookup?: SrvLookup): Promise<DnsAdviceResponse> {
  const { domain, hostname } = input;
  // Every lookup runs at once: on a box without internet each may take the resolver's whole timeout.
  const records: (Omit<DnsRecordAdvice, 'published'> & { published: Published | Promise<Published> })[] = [];
  const txtCheck = async (name: string, matches: (text: string) => boolean, expected: (text: string) => boolean): Promise<Published> =>
    look(async () => {
      const answer = await resolver.resolveTxt(name);
      const texts = answer.records.map((r) => r.join(''));
      const relevant = texts.filter(matches);
      if (relevant.length === 0) return { status: 'missing', answers: texts };
      return { status: relevant.some(expected) ? 'match' : 'different', answers: relevant };
    });
  const cnameCheck = (name: string): Promise<Published> =>
    look(async () => {
      const answer = await resolver.resolveCname(name);
      if (answer.records.length === 0) {
        // An A record for the name is as good as the CNAME when it points at the box.
        const a = await resolver.resolve4(name);
        return a.records.length ? { status: 'different', answers: a.records.map((r) => r.address) } : { status: 'missing', answers: [] };
      }
      const targets = answer.records.map(norm);
      return { status: targets.includes(norm(hostname)) ? 'match' : 'different', answers: targets };
    });

  records.push({
    type: 'MX',
    name: domain,
    value: hostname,
    priority: 10,
    purpose: 'Tells other mail servers to deliver mail for this domain to the box.',
    published: look(async () => {
      const answer = await resolver.resolveMx(domain);
      const answers = answer.records.map((r) => `${r.priority} ${norm(r.exchange)}`);
      if (answer.records.length === 0) return { status: 'missing', answers };
      return { status: answer.records.some((r) => norm(r.exchange) === norm(hostname)) ? 'match' : 'different', answers };
    }),
  });

  const spf = `v=spf1 mx${input.smarthost ? ` a:${input.smarthost}` : ''} ~all`;
  records.push({
    type: 'TXT',
    name: domain,
    value: spf,
    purpose: 'SPF: says which servers may send mail for this domain, so others do not take it for spam.',
    published: txtCheck(
      domain,
      (t) => t.toLowerCase().startsWith('v=spf1'),
      (t) => squash(t) === squash(spf) || /\bmx\b/i.test(t),
    ),
  });

  if (input.dkim) {
    const want = input.dkim.value;
    const key = /p=([^;\s]+)/.exec(want)?.[1];
    records.push({
      type: 'TXT',
      name: input.dkim.name,
      value: want,
      purpose: 'DKIM: the public key that proves mail from this domain was signed by the box.',
      published: txtCheck(
        input.dkim.name,
        (t) => /(^|;)\s*(v=DKIM1|p=)/i.test(t) || t.includes('p='),
        (t) => key !== undefined && squash(t).includes(`p=${key.toLowerCase()}`),
      ),
    });
  }

  records.push({
    type: 'TXT',
    name: `_dmarc.${domain}`,
    value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain}`,
    purpose: 'DMARC: tells receivers what to do with mail that fails SPF and DKIM, and where to send reports.',
    published: txtCheck(
      `_dmarc.${domain}`,
      (t) => t.toLowerCase().startsWith('v=dmarc1'),
      () => true,
    ),
  });

  for (const name of [`autoconfig.${domain}`, `autodiscover.${domain}`]) {
    records.push({
      type: 'CNAME',
      name,
      value: hostname,
      purpose: name.startsWith('autoconfig')
        ? 'Lets Thunderbird and other clients find the settings by themselves.'
        : 'Lets Outlook find the settings by itself.',
      published: cnameCheck(name),
    });
  }

  const srv: [string, number, number][] = [
    ['_submissions._tcp', 0, MAIL_PORTS.smtps],
    ['_submission._tcp', 10, MAIL_PORTS.submission],
    ['_imaps._tcp', 0, MAIL_PORTS.imaps],
    ['_imap._tcp', 10, MAIL_PORTS.imap],
    ['_pop3s._tcp', 20, MAIL_PORTS.pop3s],
    ['_pop3._tcp', 30, MAIL_PORTS.pop3],
  ];
  for (const [label, priority, port] of srv) {
    records.push({
      type: 'SRV',
      name: `${label}.${domain}`,
      value: `${priority} 1 ${port} ${hostname}`,
      purpose: 'RFC 6186 service record: lets mail clients find the server and port for this domain.',
      published: srvLookup
        ? look(async () => {
            const answer = await srvLookup(`${label}.${domain}`);
            const answers = answer.records.map((r) => `${r.priority} ${r.weight} ${r.port} ${norm(r.name) || '.'}`);
            if (answer.records.length === 0) return { status: 'missing', answers };
            const ok = answer.records.some((r) => r.port === port && norm(r.name) === norm(hostname));
            return { status: ok ? 'match' : 'different', answers };
          })
        : { status: 'unknown', answers: [] },
    });
  }
  return { domain, records: await Promise.all(records.map(async (r) => ({ ...r, published: await r.published }))) };
}
