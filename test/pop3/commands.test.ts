// Every POP3 command over a real socket against the real store: transcripts
// that read like RFC 1939 / RFC 2449.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

describe('POP3 commands', () => {
  let fx: Fixture;
  let port: number;
  const uids: number[] = [];

  before(async () => {
    fx = await startFixture();
    ({ port } = await fx.service('pop3'));
    uids.push(await fx.deliver(message('one')));
    uids.push(await fx.deliver(message('two', 'Line 1\r\nLine 2\r\nLine 3\r\n')));
    uids.push(await fx.deliver(message('three')));
  });
  after(() => fx.close());

  it('greets, answers CAPA before login and lists USER, SASL PLAIN and STLS', async () => {
    const c = await fx.connect(port);
    assert.match(await c.line(), /^\+OK mail\.example\.com Pochta POP3 ready$/);
    const { status, lines } = await c.multi('CAPA');
    assert.match(status, /^\+OK/);
    for (const cap of [
      'TOP',
      'UIDL',
      'USER',
      'SASL PLAIN',
      'STLS',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'EXPIRE NEVER',
      'IMPLEMENTATION Pochta',
    ]) {
      assert.ok(lines.includes(cap), `CAPA has ${cap}: ${lines.join('|')}`);
    }
    assert.match(await c.command('QUIT'), /^\+OK/);
    await c.waitClosed();
  });

  it('logs in with USER/PASS and answers STAT, LIST, UIDL', async () => {
    const c = await fx.login(port);
    const metas = await fx.store.listMessages(fx.inboxId);
    const inbox = await fx.store.getMailboxById(fx.inboxId);
    const total = metas.reduce((sum, m) => sum + m.size, 0);
    assert.equal(await c.command('STAT'), `+OK 3 ${total}`);
    const list = await c.multi('LIST');
    assert.deepEqual(
      list.lines,
      metas.map((m, i) => `${i + 1} ${m.size}`),
    );
    assert.equal(await c.command('LIST 2'), `+OK 2 ${metas[1]?.size}`);
    assert.match(await c.command('LIST 9'), /^-ERR/);
    const uidl = await c.multi('UIDL');
    assert.deepEqual(
      uidl.lines,
      metas.map((m, i) => `${i + 1} ${inbox?.uidValidity}.${m.uid}`),
    );
    assert.equal(await c.command('UIDL 3'), `+OK 3 ${inbox?.uidValidity}.${uids[2]}`);
    assert.match(await c.command('UIDL 0'), /^-ERR/);
    assert.match(await c.command('NOOP'), /^\+OK/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    await c.waitClosed();
  });

  it('RETR sends the message byte-exact and TOP the header plus n lines', async () => {
    const c = await fx.login(port);
    const status = await c.command('RETR 2');
    const meta = (await fx.store.listMessages(fx.inboxId))[1];
    assert.equal(status, `+OK ${meta?.size} octets`);
    assert.equal((await c.body()).toString(), message('two', 'Line 1\r\nLine 2\r\nLine 3\r\n'));
    assert.match(await c.command('TOP 2 0'), /^\+OK/);
    assert.equal((await c.body()).toString(), message('two', ''));
    assert.match(await c.command('TOP 2 2'), /^\+OK/);
    assert.equal((await c.body()).toString(), message('two', 'Line 1\r\nLine 2\r\n'));
    assert.match(await c.command('TOP 2 99'), /^\+OK/);
    assert.equal((await c.body()).toString(), message('two', 'Line 1\r\nLine 2\r\nLine 3\r\n'));
    assert.match(await c.command('RETR 4'), /^-ERR/);
    assert.match(await c.command('TOP 1'), /^-ERR/);
    assert.match(await c.command('RETR x'), /^-ERR/);
    c.close();
    await fx.unlocked();
  });

  it('DELE marks, RSET unmarks, and marked messages are gone from STAT/LIST/RETR', async () => {
    const c = await fx.login(port);
    assert.match(await c.command('DELE 1'), /^\+OK/);
    assert.match(await c.command('DELE 1'), /^-ERR/);
    assert.match(await c.command('RETR 1'), /^-ERR/);
    assert.match(await c.command('LIST 1'), /^-ERR/);
    assert.match(await c.command('STAT'), /^\+OK 2 /);
    assert.deepEqual(
      (await c.multi('LIST')).lines.map((l) => l.split(' ')[0]),
      ['2', '3'],
    );
    assert.match(await c.command('RSET'), /^\+OK 3 messages/);
    assert.match(await c.command('STAT'), /^\+OK 3 /);
    c.close();
    await fx.unlocked();
  });

  it('answers commands in the wrong state with -ERR and goes on', async () => {
    const c = await fx.connect(port);
    await c.line();
    assert.match(await c.command('STAT'), /^-ERR/);
    assert.match(await c.command('PASS x'), /^-ERR/, 'PASS before USER');
    assert.match(await c.command('APOP alice 0123456789abcdef0123456789abcdef'), /^-ERR/);
    assert.match(await c.command('XYZZY'), /^-ERR Unknown command/);
    assert.match(await c.command(''), /^-ERR/);
    assert.match(await c.command(`USER ${USER}`), /^\+OK/);
    assert.match(await c.command(`PASS ${PASSWORD}`), /^\+OK/);
    assert.match(await c.command(`USER ${USER}`), /^-ERR/);
    assert.match(await c.command('STLS'), /^-ERR/);
    assert.match(await c.command('STAT extra'), /^-ERR/);
    assert.match(await c.command('stat'), /^\+OK 3/, 'keywords are case-insensitive');
    c.close();
    await fx.unlocked();
  });

  it('AUTH PLAIN with an initial response, with a continuation, and AUTH listing', async () => {
    const plain = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
    let c = await fx.connect(port);
    await c.line();
    assert.equal(await c.command('AUTH'), '+OK Supported mechanisms follow');
    assert.deepEqual(await c.lines(), ['PLAIN']);
    assert.match(await c.command('AUTH CRAM-MD5'), /^-ERR/);
    assert.match(await c.command(`AUTH PLAIN ${plain}`), /^\+OK/);
    assert.match(await c.command('STAT'), /^\+OK 3/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    c = await fx.connect(port);
    await c.line();
    assert.equal(await c.command('AUTH PLAIN'), '+ ');
    assert.match(await c.command(plain), /^\+OK/);
    assert.match(await c.command('QUIT'), /^\+OK/);
    c = await fx.connect(port);
    await c.line();
    assert.equal(await c.command('AUTH PLAIN'), '+ ');
    assert.match(await c.command('*'), /^-ERR/, 'cancelled');
    assert.match(await c.command('AUTH PLAIN !!!'), /^-ERR/, 'bad base64');
    const wrong = Buffer.from(`\0${USER}\0nope`).toString('base64');
    assert.match(await c.command(`AUTH PLAIN ${wrong}`), /^-ERR \[AUTH\]/);
    const other = Buffer.from(`bob@example.com\0${USER}\0${PASSWORD}`).toString('base64');
    assert.match(await c.command(`AUTH PLAIN ${other}`), /^-ERR \[AUTH\]/, 'no acting as someone else');
    assert.match(await c.command('QUIT'), /^\+OK/);
  });

  it('QUIT in AUTHORIZATION closes without touching anything', async () => {
    const c = await fx.connect(port);
    await c.line();
    assert.match(await c.command('QUIT'), /^\+OK/);
    await c.waitClosed();
    assert.equal((await fx.store.listMessages(fx.inboxId)).length, 3);
  });
});
