// End to end through the real daemon (`pochta serve --dev`, SMTP and IMAP
// listeners in their worker threads, the store behind its proxy): a message
// sent to port 25 shows up in an IDLE session and reads back byte for byte.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startDaemon, type TestDaemon } from '../support/daemon.ts';
import { TestClient } from '../unit/imap/client.ts';

const PASSWORD = 'Quite-Long-Password-5';

/** Next response, or fail after `ms` (a bound, not a timing assertion). */
async function within(c: TestClient, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no response within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([c.response(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('imap through the daemon', { timeout: 90_000 }, () => {
  let daemon: TestDaemon;
  before(async () => {
    daemon = await startDaemon({ args: ['--dev'], only: ['smtp', 'imap'] });
    assert.equal((await daemon.cli(['domain', 'add', 'example.test'])).code, 0);
    assert.equal((await daemon.cli(['user', 'add', 'carol@example.test'], { stdin: PASSWORD })).code, 0);
  });
  after(() => daemon?.stop());

  it('a message delivered over SMTP reaches an IDLE session and FETCHes byte for byte', async () => {
    const c = await TestClient.connect(daemon.ports.imap);
    try {
      assert.match(await c.response(), /^\* OK /);
      assert.match((await c.command(`LOGIN carol@example.test ${PASSWORD}`, 'l')).at(-1)!, /^l OK/);
      assert.ok((await c.command('SELECT INBOX', 's')).includes('* 0 EXISTS'));
      c.write('i IDLE\r\n');
      assert.equal(await within(c, 5000), '+ idling');
      const raw =
        'From: Sender <sender@remote.test>\r\nTo: carol@example.test\r\nSubject: through the daemon\r\n' +
        'Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <daemon-1@remote.test>\r\n\r\nHello Carol,\r\nthe body.\r\n';
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: daemon.ports.smtp, secure: false, ignoreTLS: true });
      await transport.sendMail({ envelope: { from: 'sender@remote.test', to: ['carol@example.test'] }, raw });
      transport.close();
      // A delivery shows up in an IDLE session within a second (a bound for a loaded test machine).
      assert.equal(await within(c, 3000), '* 1 EXISTS');
      assert.equal(await within(c, 3000), '* 0 RECENT');
      c.write('DONE\r\n');
      assert.equal(await within(c, 3000), 'i OK IDLE terminated');
      const fetched = await c.command('FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT] ENVELOPE)', 'f');
      const m = /^\* 1 FETCH \(BODY\[\] \{(\d+)\}\r\n/.exec(fetched[0]!);
      assert.ok(m, fetched[0]);
      const whole = fetched[0]!.slice(m[0].length, m[0].length + Number(m[1]));
      // The server prepends its trace fields (Received, Authentication-Results); the message follows unchanged.
      assert.ok(whole.endsWith(raw), whole);
      assert.ok(fetched[0]!.includes('BODY[TEXT] {25}\r\nHello Carol,\r\nthe body.\r\n'));
      assert.ok(fetched[0]!.includes('"through the daemon"'));
      assert.deepEqual(await c.command('SEARCH BODY "hello carol"', 'sr'), ['* SEARCH 1', 'sr OK SEARCH completed']);
      await c.command('LOGOUT', 'o');
    } finally {
      c.close();
    }
  });
});
