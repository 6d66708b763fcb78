// POP3 and IMAP on the same INBOX at the same time, both real listeners over
// the same store: IMAP is not locked out by the POP3 maildrop lock, and an
// IMAP session sees POP3's QUIT expunges as untagged EXPUNGE responses.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createImapService } from '../../firmware/imap/service.ts';
import type { Service } from '../../firmware/supervisor/service.ts';
import { Pop3TestClient } from './support/client.ts';
import { type Fixture, message, PASSWORD, silentLog, startFixture, USER } from './support/fixture.ts';

describe('POP3 next to IMAP', () => {
  let fx: Fixture;
  let popPort: number;
  let imap: Service & { address(): { port: number } | undefined };

  before(async () => {
    fx = await startFixture();
    ({ port: popPort } = await fx.service('pop3'));
    imap = await createImapService({
      name: 'imap',
      address: { host: '127.0.0.1', port: 0 },
      store: fx.store,
      log: silentLog,
      hostname: 'mail.example.com',
      dataDir: fx.dir,
      tls: fx.tls,
      dev: true,
      now: Date.now,
    });
    await imap.start();
    for (const subject of ['one', 'two', 'three']) await fx.deliver(message(subject));
  });
  after(async () => {
    await imap.stop(Date.now() + 2000);
    await fx.close();
  });

  /** Send an IMAP command (a line client is enough here) and collect lines up to its tagged reply. */
  const imapCommand = async (c: Pop3TestClient, tag: string, command: string): Promise<string[]> => {
    c.send(`${tag} ${command}\r\n`);
    const lines: string[] = [];
    for (;;) {
      const line = await c.line();
      lines.push(line);
      if (line.startsWith(`${tag} `)) return lines;
    }
  };

  it('lets IMAP work during a POP3 session and shows POP3 deletions as EXPUNGE', async () => {
    const port = imap.address()?.port;
    assert.ok(port);
    const pop = await fx.login(popPort);
    const im = await Pop3TestClient.connect(port);
    assert.match(await im.line(), /^\* OK/);
    assert.match(
      (await imapCommand(im, 'a1', `LOGIN ${USER} "${PASSWORD}"`)).at(-1) ?? '',
      /^a1 OK/,
      'IMAP login while POP3 holds the lock',
    );
    const select = await imapCommand(im, 'a2', 'SELECT INBOX');
    assert.ok(select.includes('* 3 EXISTS'), select.join('\n'));
    assert.match((await imapCommand(im, 'a3', 'STORE 1 +FLAGS (\\Seen)')).at(-1) ?? '', /^a3 OK/);

    assert.match(await pop.command('DELE 1'), /^\+OK/);
    assert.match(await pop.command('DELE 3'), /^\+OK/);
    assert.match(await pop.command('QUIT'), /^\+OK/);
    await pop.waitClosed();
    await fx.unlocked();

    const noop = await imapCommand(im, 'a4', 'NOOP');
    // Either order is valid IMAP (`* 3` then `* 1`, or `* 1` then `* 2`); two messages went.
    assert.equal(noop.filter((l) => /^\* \d+ EXPUNGE$/.test(l)).length, 2, noop.join('\n'));
    const fetch = await imapCommand(im, 'a5', 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
    assert.ok(
      fetch.some((l) => l === 'Subject: two'),
      fetch.join('\n'),
    );
    await imapCommand(im, 'a6', 'LOGOUT');
  });
});
