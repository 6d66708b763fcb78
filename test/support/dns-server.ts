// A real authoritative DNS server for tests, on 127.0.0.1 (UDP and TCP on one
// port, as a stub resolver expects). The test fills a zone table, and can make a
// name misbehave (delay, SERVFAIL, REFUSED, never answer) to exercise timeouts
// and failures. Queries are counted per name so tests can assert caching.
// The codec is hand-rolled (RFC 1035) so every byte of the answer is ours.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { parseIp, reverseName } from '../../firmware/net/cidr.ts';

export type RecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME' | 'NS' | 'SOA' | 'SRV';

export type TestRecord =
  | { readonly type: 'A' | 'AAAA'; readonly address: string; readonly ttl?: number }
  | { readonly type: 'MX'; readonly exchange: string; readonly priority: number; readonly ttl?: number }
  /** One TXT record; a string longer than 255 bytes is split into character-strings. */
  | { readonly type: 'TXT'; readonly text: string | readonly string[]; readonly ttl?: number }
  | { readonly type: 'PTR' | 'CNAME'; readonly target: string; readonly ttl?: number }
  /** RFC 2782; target '.' = "no such service here". */
  | {
      readonly type: 'SRV';
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
      readonly ttl?: number;
    };

export type Behaviour =
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'servfail' }
  | { readonly kind: 'refused' }
  | { readonly kind: 'drop' };

const TYPE_CODES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 };
const TYPE_NAMES = new Map(Object.entries(TYPE_CODES).map(([k, v]) => [v, k]));
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const DEFAULT_TTL = 300;

export interface QueryLogEntry {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

export class TestDnsServer {
  readonly port: number;
  /** The address bound: 127.0.0.1 unless started on ::1. */
  readonly host: string;
  private readonly udp: Socket;
  private readonly tcp: Server;
  private readonly zone = new Map<string, TestRecord[]>();
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tcpSockets = new Set<TcpSocket>();
  /** Every query received, in order. */
  readonly log: QueryLogEntry[] = [];

  private constructor(udp: Socket, tcp: Server, host: string, port: number) {
    this.host = host;
    this.udp = udp;
    this.tcp = tcp;
    this.port = port;
  }

  /** Start on 127.0.0.1 (or ::1) with a free port shared by UDP and TCP. */
  static async start(options: { host?: '127.0.0.1' | '::1' } = {}): Promise<TestDnsServer> {
    const host = options.host ?? '127.0.0.1';
    for (let attempt = 0; attempt < 20; attempt++) {
      // A bigger receive buffer than the default (about 256 datagrams) so a burst of
      // queries from a load test in the same process is not dropped by the kernel.
      const udp = createSocket({ type: host === '::1' ? 'udp6' : 'udp4', recvBufferSize: 4 * 1024 * 1024 });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(0, host, () => resolve());
      });
      const port = udp.address().port;
      const tcp = createServer();
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(port, host, () => resolve(true));
      });
      if (!ok) {
        udp.close();
        continue;
      }
      const server = new TestDnsServer(udp, tcp, host, port);
      server.wire();
      return server;
    }
    throw new Error('could not bind UDP and TCP on one port');
  }

  /** "127.0.0.1:PORT" or "[::1]:PORT", the form a Resolver's server list takes. */
  get address(): string {
    return this.host === '::1' ? `[::1]:${this.port}` : `${this.host}:${this.port}`;
  }

  /** Add records to a name (kept with the ones it has). */
  add(name: string, ...records: TestRecord[]): this {
    const key = norm(name);
    this.zone.set(key, [...(this.zone.get(key) ?? []), ...records]);
    return this;
  }

  /** Replace all records of a name. */
  set(name: string, ...records: TestRecord[]): this {
    this.zone.set(norm(name), [...records]);
    return this;
  }

  /** Remove a name entirely (it becomes NXDOMAIN). */
  remove(name: string): this {
    this.zone.delete(norm(name));
    return this;
  }

  /** Publish a DNSBL zone's RFC 5782 test point (127.0.0.2 listed, 127.0.0.1 not) so the zone probe passes. */
  dnsblZone(zone: string): this {
    return this.set(`2.0.0.127.${zone}`, { type: 'A', address: '127.0.0.2' });
  }

  /** List a client address in a DNSBL zone (reversed octets or nibbles), optionally with a TXT reason. */
  dnsblList(zone: string, ip: string, options: { code?: string; ttl?: number; reason?: string } = {}): this {
    const parsed = parseIp(ip);
    if (parsed === undefined) throw new Error(`not an address: ${ip}`);
    const name = `${reverseName(parsed)}.${zone}`;
    const ttl = options.ttl ?? DEFAULT_TTL;
    this.set(name, { type: 'A', address: options.code ?? '127.0.0.2', ttl });
    if (options.reason !== undefined) this.add(name, { type: 'TXT', text: options.reason, ttl });
    return this;
  }

  /** Make a name misbehave; `undefined` makes it answer normally again. */
  behave(name: string, behaviour: Behaviour | undefined): this {
    if (behaviour === undefined) this.behaviours.delete(norm(name));
    else this.behaviours.set(norm(name), behaviour);
    return this;
  }

  /** Queries received for a name (any type unless given). */
  queries(name: string, type?: RecordType): number {
    const key = norm(name);
    return this.log.filter((q) => q.name === key && (type === undefined || q.type === type)).length;
  }

  resetLog(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.tcpSockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private wire(): void {
    this.udp.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      this.handle(msg, 'udp', (reply) => this.udp.send(reply, rinfo.port, rinfo.address));
    });
    this.tcp.on('connection', (sock) => {
      this.tcpSockets.add(sock);
      sock.on('close', () => this.tcpSockets.delete(sock));
      sock.on('error', () => sock.destroy());
      let buf = Buffer.alloc(0);
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2) {
          const len = buf.readUInt16BE(0);
          if (buf.length < 2 + len) break;
          const msg = buf.subarray(2, 2 + len);
          buf = buf.subarray(2 + len);
          this.handle(msg, 'tcp', (reply) => {
            if (sock.destroyed) return;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(reply.length);
            sock.write(Buffer.concat([head, reply]));
          });
        }
      });
    });
  }

  private handle(msg: Buffer, transport: 'udp' | 'tcp', send: (reply: Buffer) => void): void {
    const query = decodeQuery(msg);
    if (query === undefined) return; // not worth answering garbage in a test
    this.log.push({ name: query.name, type: TYPE_NAMES.get(query.qtype) ?? String(query.qtype), transport });
    const behaviour = this.behaviours.get(query.name);
    const reply = (): Buffer => {
      if (behaviour?.kind === 'servfail') return encodeReply(query, RCODE.SERVFAIL, []);
      if (behaviour?.kind === 'refused') return encodeReply(query, RCODE.REFUSED, []);
      const { rcode, answers } = this.answer(query.name, query.qtype);
      const full = encodeReply(query, rcode, answers);
      // Without EDNS a UDP answer is limited to 512 bytes; past the limit set TC so the client retries over TCP.
      if (transport === 'udp' && full.length > query.udpLimit) return encodeReply(query, rcode, [], true);
      return full;
    };
    if (behaviour?.kind === 'drop') return;
    if (behaviour?.kind === 'delay') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        send(reply());
      }, behaviour.ms);
      this.timers.add(t);
      return;
    }
    send(reply());
  }

  private answer(name: string, qtype: number): { rcode: number; answers: EncodedRecord[] } {
    const answers: EncodedRecord[] = [];
    let current = name;
    // Follow CNAME chains inside the zone, as an authoritative server would.
    for (let hops = 0; hops < 8; hops++) {
      const records = this.zone.get(current);
      if (records === undefined) return { rcode: hops === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR, answers };
      const matching = records.filter((r) => TYPE_CODES[r.type] === qtype);
      for (const r of matching) answers.push({ name: current, record: r });
      const cname = records.find((r) => r.type === 'CNAME');
      if (matching.length > 0 || cname === undefined || qtype === TYPE_CODES.CNAME || cname.type !== 'CNAME') break;
      answers.push({ name: current, record: cname });
      current = norm(cname.target);
    }
    return { rcode: RCODE.NOERROR, answers };
  }
}

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

interface Query {
  readonly id: number;
  readonly rd: boolean;
  readonly name: string;
  readonly qtype: number;
  readonly qclass: number;
  /** The raw question section, echoed back. */
  readonly question: Buffer;
  readonly udpLimit: number;
}

interface EncodedRecord {
  readonly name: string;
  readonly record: TestRecord;
}

function decodeQuery(msg: Buffer): Query | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  const qdcount = msg.readUInt16BE(4);
  const arcount = msg.readUInt16BE(10);
  if (qdcount !== 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    const len = msg[off];
    if (len === undefined) return undefined;
    off++;
    if (len === 0) break;
    if (len > 63) return undefined; // queries carry no compression pointers
    labels.push(msg.toString('latin1', off, off + len));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  const qtype = msg.readUInt16BE(off);
  const qclass = msg.readUInt16BE(off + 2);
  const question = msg.subarray(12, off + 4);
  off += 4;
  // An EDNS OPT record in the additional section states the client's UDP payload size (RFC 6891).
  let udpLimit = 512;
  if (arcount > 0 && msg[off] === 0 && off + 5 <= msg.length && msg.readUInt16BE(off + 1) === 41) {
    udpLimit = Math.max(512, msg.readUInt16BE(off + 3));
  }
  return { id, rd: (flags & 0x0100) !== 0, name: norm(labels.join('.')), qtype, qclass, question, udpLimit };
}

function encodeName(name: string): Buffer {
  const parts = norm(name)
    .split('.')
    .filter((p) => p.length > 0);
  const bufs = parts.map((p) => {
    const b = Buffer.from(p, 'latin1');
    return Buffer.concat([Buffer.from([b.length]), b]);
  });
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

function encodeRdata(r: TestRecord): Buffer {
  switch (r.type) {
    case 'A':
    case 'AAAA': {
      const ip = parseIp(r.address);
      if (ip === undefined) throw new Error(`bad address ${r.address}`);
      if (r.type === 'A' && ip.family !== 4) throw new Error(`A needs IPv4: ${r.address}`);
      if (r.type === 'AAAA') {
        if (ip.family === 6) return Buffer.from(ip.bytes);
        return Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ip.bytes]);
      }
      return Buffer.from(ip.bytes);
    }
    case 'MX': {
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(r.priority);
      // A null MX (RFC 7505) has the root as exchange.
      return Buffer.concat([pref, r.exchange === '.' || r.exchange === '' ? Buffer.from([0]) : encodeName(r.exchange)]);
    }
    case 'TXT': {
      const strings = typeof r.text === 'string' ? splitTxt(r.text) : r.text;
      return Buffer.concat(
        strings.map((s) => {
          const b = Buffer.from(s, 'utf8');
          if (b.length > 255) throw new Error('TXT character-string over 255 bytes');
          return Buffer.concat([Buffer.from([b.length]), b]);
        }),
      );
    }
    case 'PTR':
    case 'CNAME':
      return encodeName(r.target);
    case 'SRV': {
      const fixed = Buffer.alloc(6);
      fixed.writeUInt16BE(r.priority, 0);
      fixed.writeUInt16BE(r.weight, 2);
      fixed.writeUInt16BE(r.port, 4);
      return Buffer.concat([fixed, r.target === '.' ? Buffer.from([0]) : encodeName(r.target)]);
    }
  }
}

function splitTxt(text: string): string[] {
  const b = Buffer.from(text, 'utf8');
  if (b.length === 0) return [''];
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 255) out.push(b.toString('utf8', i, i + 255));
  return out;
}

function encodeReply(q: Query, rcode: number, answers: readonly EncodedRecord[], truncated = false): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR=1, AA=1, RD copied, RA=1, TC when truncated.
  const flags = 0x8000 | 0x0400 | (truncated ? 0x0200 : 0) | (q.rd ? 0x0100 : 0) | 0x0080 | rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const rrs = answers.map(({ name, record }) => {
    const rdata = encodeRdata(record);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(TYPE_CODES[record.type] ?? 0, 0);
    fixed.writeUInt16BE(1, 2); // class IN
    fixed.writeUInt32BE(record.ttl ?? DEFAULT_TTL, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([encodeName(name), fixed, rdata]);
  });
  return Buffer.concat([header, q.question, ...rrs]);
}
