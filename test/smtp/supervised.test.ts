// The SMTP listeners as the daemon runs them: in worker threads under the
// supervisor, reaching the store through the MailStore proxy. One message in
// through port 25 and one through submission with AUTH, read back from the
// store in the main thread.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../firmware/log.ts';
import { createSupervisor, greetingProbe, type Supervisor } from '../../firmware/supervisor/index.ts';
import { TestDnsServer } from '../support/dns-server.ts';
import { makeTlsFiles, tempDir } from './helpers/harness.ts';
import { inbox, openTestStore, PASSWORD, type TestDirectory } from './helpers/store.ts';
import { dataBlock, Transcript } from './helpers/transcript.ts';

const SERVICE = new URL('../../firmware/smtp/service.ts', import.meta.url);

describe('SMTP listeners under the supervisor', () => {
  let cleanup: () => Promise<void>;
  let dir: TestDirectory;
  let dns: TestDnsServer;
  let supervisor: Supervisor;

  before(async () => {
    const tmp = await tempDir('pochta-smtp-sup-');
    cleanup = tmp.cleanup;
    dns = await TestDnsServer.start();
    dir = await openTestStore(tmp.dir);
    await dir.store.setSettings({ 'dnsbl.zones': [], 'dns.servers': [`127.0.0.1:${dns.port}`] });
    const tls = await makeTlsFiles(tmp.dir);
    const address = { host: '127.0.0.1', port: 0 };
    supervisor = createSupervisor({
      store: dir.store,
      log: createLogger({ level: 'silent' }),
      logLevel: 'silent',
      hostname: 'mx.test',
      dataDir: tmp.dir,
      blobDir: `${tmp.dir}/store/blobs`,
      tls,
      dev: false,
      listeners: [
        { name: 'smtp', module: SERVICE, address, probe: greetingProbe(/^220 /) },
        { name: 'submission', module: SERVICE, address, probe: greetingProbe(/^220 /) },
      ],
      probe: { intervalMs: 2000, timeoutMs: 2000, failures: 2 },
      startTimeoutMs: 15_000,
    });
    await supervisor.start();
  });

  after(async () => {
    await supervisor.stop(Date.now() + 3000);
    await dir.close();
    await dns.close();
    await cleanup();
  });

  const portOf = (name: 'smtp' | 'submission') => {
    const s = supervisor.status().find((x) => x.name === name);
    assert.equal(s?.state, 'running');
    const port = s?.address?.port;
    assert.ok(port);
    return port;
  };

  it('accepts inbound mail in a worker thread and stores it durably', async () => {
    const c = await Transcript.open({ port: portOf('smtp'), localAddress: '127.0.0.9' });
    await c.expect(/^220 mx\.test ESMTP/);
    await c.cmd('EHLO remote.test', /^250/);
    await c.cmd('MAIL FROM:<someone@remote.test>', /^250/);
    await c.cmd('RCPT TO:<nobody@example.test>', /^550 5\.1\.1 /);
    await c.cmd('RCPT TO:<elsewhere@remote.test>', /^554 5\.7\.1 /);
    await c.cmd('RCPT TO:<team@example.test>', /^250/);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('Subject: via-worker\n\nhello from a worker\n'));
    await c.expect(/^250 2\.0\.0 /);
    await c.cmd('QUIT', /^221/);
    c.close();
    const a = (await inbox(dir.store, dir.alice)).filter((m) => m.text.includes('via-worker'));
    const b = (await inbox(dir.store, dir.bob)).filter((m) => m.text.includes('via-worker'));
    assert.equal(a.length, 1);
    assert.equal(b[0]?.blobId, a[0]?.blobId);
  });

  it('authenticates submission through the store proxy', async () => {
    const c = await Transcript.open({ port: portOf('submission'), localAddress: '127.0.0.9' });
    await c.expect(/^220 /);
    await c.cmd('EHLO laptop', /^250/);
    await c.startTls();
    await c.cmd('EHLO laptop', /^250/);
    await c.cmd(`AUTH PLAIN ${Buffer.from(`\0bob@example.test\0${PASSWORD}`).toString('base64')}`, /^235 /);
    await c.cmd('MAIL FROM:<bob@example.test>', /^250/);
    await c.cmd('RCPT TO:<alice@example.test>', /^250/);
    await c.cmd('DATA', /^354/);
    c.write(dataBlock('Subject: submitted-in-worker\n\nhi\n'));
    await c.expect(/^250 2\.0\.0 /);
    c.close();
    const [m] = (await inbox(dir.store, dir.alice)).filter((x) => x.text.includes('submitted-in-worker'));
    assert.match(m?.text ?? '', /with ESMTPSA id /);
  });
});
