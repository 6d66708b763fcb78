// Dashboard, live updates, logs, DNS helper and health checks, and the static
// app files — over inject() and, for the event streams, a real socket.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createLogRing } from '../../firmware/admin/log-ring.ts';
import { createMailCounters } from '../../firmware/admin/mail-counters.ts';
import { DnsResolver } from '../../firmware/net/resolver.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { type Client, completeSetup, type Harness, startHarness } from './support.ts';

/** Read an event stream over a real socket until `want` events arrived. */
async function readEvents(base: string, path: string, cookie: string, want: (events: { event: string; data: unknown }[]) => boolean) {
  const controller = new AbortController();
  const res = await fetch(base + path, { headers: { cookie }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(String(res.headers.get('content-type')), /text\/event-stream/);
  assert.match(String(res.headers.get('content-security-policy')), /frame-ancestors 'none'/);
  const events: { event: string; data: unknown }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    while (!want(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let sep = buffer.indexOf('\n\n');
      while (sep >= 0) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        sep = buffer.indexOf('\n\n');
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('dashboard and friends', () => {
  let h: Harness;
  let admin: Client;
  let dns: TestDnsServer;
  let base: string;
  const logs = createLogRing({ size: 100 });
  const counters = createMailCounters({ now: Date.now });

  before(async () => {
    dns = await TestDnsServer.start();
    h = await startHarness({
      adminExtra: { logs, counters },
      deps: { resolver: () => new DnsResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 }) },
    });
    admin = await completeSetup(h, { domain: 'example.test', hostname: 'mx.example.test' });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  });
  after(async () => {
    await h.close();
    await dns.close();
  });

  it("shows listeners, store, queue and today's mail counts with a 24-hour series", async () => {
    counters.count('in', 3);
    counters.count('rejectedDnsbl');
    const res = await admin.req('GET', '/api/status');
    assert.equal(res.status, 200);
    assert.equal(res.json.listeners[0].name, 'smtp');
    assert.equal(res.json.hostname, 'mx.example.test');
    assert.equal(res.json.store.domains, 1);
    assert.equal(res.json.queue.size, 0);
    assert.equal(res.json.mail.today.in, 3);
    assert.equal(res.json.mail.today.rejectedDnsbl, 1);
    assert.equal(res.json.mail.series.length, 24);
    assert.equal(res.json.mail.series.at(-1).in, 3);
    const system = await admin.req('GET', '/api/system');
    assert.equal(system.json.cpuTempC, 48.5);
    const panel = await admin.req('GET', '/api/panel');
    assert.equal(panel.json.driver, 'sim');
    assert.ok('green' in panel.json.leds || Object.keys(panel.json.leds).length > 0);
  });

  it('streams status and panel changes live (real socket)', async () => {
    const events = await readEvents(
      base,
      '/api/events',
      admin.cookie!,
      (e) => e.some((x) => x.event === 'status') && e.some((x) => x.event === 'panel'),
    );
    const status = events.find((e) => e.event === 'status')!.data as { listeners: unknown[] };
    assert.ok(Array.isArray(status.listeners));
    // Without a session the stream is refused like any other route.
    assert.equal((await fetch(`${base}/api/events`)).status, 401);
  });

  it('follows the log with filters', async () => {
    logs.push(JSON.stringify({ level: 30, time: Date.now(), msg: 'old line', listener: 'smtp', conn: 'c1' }));
    const page = await admin.req('GET', '/api/logs?level=info&listener=smtp');
    assert.equal(page.status, 200);
    assert.equal(page.json.lines.at(-1).msg, 'old line');
    const stream = readEvents(base, '/api/logs/stream?level=warn&conn=c2', admin.cookie!, (e) => e.length >= 1);
    await new Promise((r) => setTimeout(r, 150));
    logs.push(JSON.stringify({ level: 30, time: Date.now(), msg: 'info, filtered out', conn: 'c2' }));
    logs.push(JSON.stringify({ level: 50, time: Date.now(), msg: 'boom', conn: 'c2', password: '[redacted]' }));
    const events = await stream;
    assert.equal((events[0]!.data as { msg: string }).msg, 'boom');
    assert.equal((await admin.req('GET', '/api/logs?level=loud')).json.error.field, 'level');
  });

  it('lists the DNS records to publish and what the DNS answers now', async () => {
    dns.set('example.test', { type: 'MX', exchange: 'mx.example.test', priority: 10 }, { type: 'TXT', text: 'v=spf1 a -all' });
    dns.set('_dmarc.example.test', { type: 'TXT', text: 'v=DMARC1; p=none' });
    dns.set('autoconfig.example.test', { type: 'CNAME', target: 'mx.example.test' });
    const res = await admin.req('GET', '/api/dns/example.test');
    assert.equal(res.status, 200, res.body);
    const by = (type: string, name: string) =>
      res.json.records.find((r: { type: string; name: string }) => r.type === type && r.name === name);
    assert.equal(by('MX', 'example.test').published.status, 'match');
    assert.equal(by('TXT', 'example.test').published.status, 'different');
    assert.equal(by('TXT', '_dmarc.example.test').published.status, 'match');
    assert.equal(by('CNAME', 'autoconfig.example.test').published.status, 'match');
    assert.equal(by('CNAME', 'autodiscover.example.test').published.status, 'missing');
    assert.equal(by('SRV', '_imaps._tcp.example.test').value, '0 1 993 mx.example.test');
    const dkim = res.json.records.find((r: { name: string }) => r.name.includes('._domainkey.'));
    if (dkim) assert.match(dkim.value, /^v=DKIM1; k=rsa; p=/);
    assert.equal((await admin.req('GET', '/api/dns/unknown.test')).status, 404);
  });

  it('runs the health checks, each with what to do when it is not green', async () => {
    const res = await admin.req('GET', '/api/health-checks');
    assert.equal(res.status, 200, res.body);
    const ids = res.json.checks.map((c: { id: string }) => c.id);
    for (const id of ['listeners', 'outbound', 'certificate', 'queue', 'system', 'dns-mx-example.test', 'dns-spf-example.test'])
      assert.ok(ids.includes(id), `${id} in ${ids}`);
    for (const check of res.json.checks) {
      assert.ok(['ok', 'warn', 'fail', 'unknown'].includes(check.status));
      if (check.status === 'warn' || check.status === 'fail') assert.ok(check.fix, `${check.id} says what to do`);
    }
    const outbound = res.json.checks.find((c: { id: string }) => c.id === 'outbound');
    assert.notEqual(outbound.status, 'ok', 'probeTcp says nothing is reachable here');
  });

  it('serves the app: cached hashed assets, compressed, index.html for app routes', async () => {
    const asset = await h.app.inject({ method: 'GET', url: '/assets/app-1a2b3c4d5e.js', headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['content-encoding'], 'br');
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.match(brotliDecompressSync(asset.rawPayload).toString(), /^console\.log/);
    const gz = await h.app.inject({ method: 'GET', url: '/assets/app-1a2b3c4d5e.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(gz.rawPayload).toString(), /^console\.log/);
    const again = await h.app.inject({
      method: 'GET',
      url: '/assets/app-1a2b3c4d5e.js',
      headers: { 'if-none-match': String(asset.headers['etag']) },
    });
    assert.equal(again.statusCode, 304);
    // A precompressed file wins over compressing on the fly.
    await writeFile(join(h.staticDir, 'index.html.gz'), Buffer.from('precompressed'));
    const route = await h.app.inject({ method: 'GET', url: '/users/anna', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(route.statusCode, 200);
    assert.equal(route.headers['cache-control'], 'no-cache');
    assert.equal(route.rawPayload.toString(), 'precompressed');
    assert.equal((await h.app.inject({ method: 'GET', url: '/missing.js' })).statusCode, 404);
    for (const url of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.doesNotMatch(res.body, /root:/, url);
    }
    const api = await h.app.inject({ method: 'GET', url: '/api/nothing-here' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'NOT_FOUND');
  });

  it('ends open event streams when the server stops', async () => {
    const res = await fetch(`${base}/api/events`, { headers: { cookie: admin.cookie! } });
    const reader = res.body!.getReader();
    await reader.read();
    await h.app.close();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  });
});
