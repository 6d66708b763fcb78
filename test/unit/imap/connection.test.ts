// Transcript tests of the connection state machine and the first commands,
// over a real loopback socket with the real store.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { commandTable } from '../../../firmware/imap/commands/index.ts';
import { ANY_STATE, defineCommand } from '../../../firmware/imap/commands/types.ts';
import { literal } from '../../../firmware/imap/compiler.ts';
import { ok } from '../../../firmware/imap/responses.ts';
import { parseNoArgs } from '../../../firmware/imap/syntax/commands.ts';
import { type Fixture, manualTimers, PASSWORD, startFixture } from './fixture.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('imap connection: framing and state over a socket', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('greets with capabilities and answers CAPABILITY, NOOP, unknown and out-of-state commands', async () => {
    const c = await f.connect();
    assert.match(
      await c.response(),
      /^\* OK \[CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL\+ ID ENABLE\] mail\.example\.com Pochta IMAP ready$/,
    );
    assert.deepEqual(await c.command('CAPABILITY', 'a1'), [
      '* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LITERAL+ ID ENABLE',
      'a1 OK Capability completed',
    ]);
    assert.deepEqual(await c.command('noop', 'a2'), ['a2 OK NOOP completed']);
    assert.deepEqual(await c.command('FROB x', 'a3'), ['a3 BAD Unknown command']);
    assert.deepEqual(await c.command('SELECT INBOX', 'a4'), ['a4 BAD Log in first']);
    assert.deepEqual(await c.command('NOOP extra', 'a5'), ['a5 BAD Unexpected extra arguments']);
    c.write('* NOOP\r\n');
    assert.equal(await c.response(), '* BAD Invalid tag');
    assert.deepEqual(await c.command('LOGOUT', 'a6'), ['* BYE Logging out', 'a6 OK LOGOUT completed']);
    await c.waitClosed();
  });

  it('reads literals split at every byte and pipelined commands', async () => {
    const c = await f.connect();
    await c.response();
    const wire = Buffer.from(`l1 LOGIN {17}\r\nalice@example.com {${PASSWORD.length}+}\r\n${PASSWORD}\r\nl2 NOOP\r\nl3 NAMESPACE\r\n`);
    for (let i = 0; i < wire.length; i++) c.write(wire.subarray(i, i + 1));
    assert.deepEqual(await c.until('l3'), [
      '+ Ready for literal',
      'l1 OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CONDSTORE QRESYNC ESEARCH BINARY SORT SORT=DISPLAY COMPRESS=DEFLATE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE XLIST QUOTA QUOTA=RES-STORAGE APPENDLIMIT=1048576] Logged in',
      'l2 OK NOOP completed',
      '* NAMESPACE (("" "/")) NIL NIL',
      'l3 OK NAMESPACE completed',
    ]);
    c.close();
  });

  it('answers a too-long line with BAD and keeps the session; refuses oversized literals', async () => {
    const c = await f.connect();
    await c.response();
    c.write(`x1 LOGIN ${'a'.repeat(70_000)}\r\n`);
    assert.equal(await c.response(), 'x1 BAD Line too long');
    c.write(`x2 LOGIN {${2 * 1024 * 1024}}\r\n`);
    assert.equal(await c.response(), 'x2 NO [TOOBIG] Literal too big');
    c.write(`x3 LOGIN a {${1024 * 1024 + 1}+}\r\n`);
    c.write(Buffer.alloc(1024 * 1024 + 1, 0x61));
    c.write('\r\n');
    assert.equal(await c.response(), 'x3 BAD [TOOBIG] Literal too big');
    assert.deepEqual(await c.command('NOOP', 'x4'), ['x4 OK NOOP completed']);
    assert.deepEqual(await c.command('LOGIN "a" "b c', 'x5'), ['x5 BAD Unterminated quoted string']);
    c.close();
  });

  it('turns away clients over the per-address connection limit', async () => {
    const g = await startFixture({}, { maxConnectionsPerIp: 2 });
    try {
      const a = await g.connect();
      const b = await g.connect();
      await a.response();
      await b.response();
      const c = await g.connect();
      assert.equal(await c.response(), '* BYE Too many connections from your address');
      await c.waitClosed();
      a.close();
      await a.waitClosed();
      while (g.server.connections.size > 1) await new Promise((resolve) => setImmediate(resolve));
      const d = await g.connect();
      assert.match(await d.response(), /^\* OK/);
      b.close();
      d.close();
    } finally {
      await g.close();
    }
  });

  it('cuts off a client that stops reading, after the BYE grace period', async () => {
    const timers = manualTimers();
    // A test-only command that writes far more than the socket buffers hold.
    const flood = defineCommand({
      name: 'FLOOD',
      states: ANY_STATE,
      args: parseNoArgs,
      async run(ctx) {
        const chunk = literal(Buffer.alloc(256 * 1024, 0x61));
        for (let i = 0; i < 200; i++) await ctx.send({ type: 'data', values: [i + 1, chunk] });
        return ok();
      },
    });
    const commands = new Map(commandTable());
    commands.set('FLOOD', flood);
    const g = await startFixture({}, { setTimer: timers.setTimer, idleTimeoutMs: 777, commands });
    try {
      const socket = net.connect(g.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('data', resolve));
      socket.pause();
      socket.write('f FLOOD\r\n');
      // Once output starts arriving, the BYE can only queue behind 50 MB the client never reads.
      const [conn] = [...g.server.connections];
      assert.ok(conn);
      while (socket.readableLength === 0) await new Promise((resolve) => setImmediate(resolve));
      timers.fire(777);
      timers.fire(2000);
      await conn.done;
      assert.equal(g.server.connections.size, 0);
      socket.destroy();
    } finally {
      await g.close();
    }
  });

  it('closes an idle connection with BYE when its timer fires', async () => {
    const timers = manualTimers();
    const g = await startFixture({}, { setTimer: timers.setTimer, idleTimeoutMs: 1234 });
    try {
      const c = await g.connect();
      await c.response();
      assert.deepEqual(await c.command('NOOP', 'i1'), ['i1 OK NOOP completed']);
      timers.fire(1234);
      assert.equal(await c.response(), '* BYE Idle timeout, closing connection');
      await c.waitClosed();
    } finally {
      await g.close();
    }
  });
});

describe('imap connection: authentication', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('LOGIN fails with AUTHENTICATIONFAILED and drops the client after three failures', async () => {
    const c = await f.connect();
    await c.response();
    assert.deepEqual(await c.command('LOGIN alice@example.com wrong', 'f1'), ['f1 NO [AUTHENTICATIONFAILED] Authentication failed']);
    assert.deepEqual(await c.command('LOGIN nobody@example.com wrong', 'f2'), ['f2 NO [AUTHENTICATIONFAILED] Authentication failed']);
    assert.deepEqual(await c.command('LOGIN alice@example.com wrong', 'f3'), ['f3 NO [AUTHENTICATIONFAILED] Authentication failed']);
    await c.waitClosed();
  });

  it('AUTHENTICATE PLAIN with SASL-IR, with a continuation pipelined in one packet, and cancelled', async () => {
    const c = await f.connect();
    await c.response();
    assert.deepEqual(await c.command('AUTHENTICATE PLAIN *', 'p0'), ['p0 BAD Invalid initial response']);
    c.write('p1 AUTHENTICATE PLAIN\r\n*\r\n');
    assert.deepEqual(await c.until('p1'), ['+ ', 'p1 BAD Authentication cancelled']);
    assert.deepEqual(await c.command('AUTHENTICATE CRAM-MD5', 'p2'), ['p2 NO [CANNOT] Unsupported authentication mechanism']);
    c.write(`p3 AUTHENTICATE PLAIN\r\n${b64(`\0alice@example.com\0${PASSWORD}`)}\r\np4 NOOP\r\n`);
    const r = await c.until('p4');
    assert.equal(r[0], '+ ');
    assert.match(r[1]!, /^p3 OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/);
    assert.equal(r[2], 'p4 OK NOOP completed');
    const d = await f.connect();
    await d.response();
    assert.match((await d.command(`AUTHENTICATE PLAIN ${b64(`alice@example.com\0alice@example.com\0${PASSWORD}`)}`, 's1'))[0]!, /^s1 OK/);
    const e = await f.connect();
    await e.response();
    assert.deepEqual(await e.command(`AUTHENTICATE PLAIN ${b64(`bob@example.com\0alice@example.com\0${PASSWORD}`)}`, 's2'), [
      's2 NO [AUTHORIZATIONFAILED] Not authorized',
    ]);
    c.close();
    d.close();
    e.close();
  });

  it('limits logged-in sessions per account and frees the slot at logout', async () => {
    const g = await startFixture({}, { maxSessionsPerUser: 1 });
    try {
      const a = await g.login();
      const b = await g.connect();
      await b.response();
      assert.deepEqual(await b.command(`LOGIN alice@example.com "${PASSWORD}"`, 'u1'), [
        'u1 NO [LIMIT] Too many connections for this account',
      ]);
      await a.command('LOGOUT', 'u2');
      await a.waitClosed();
      while (g.server.connections.size > 1) await new Promise((resolve) => setImmediate(resolve));
      assert.match((await b.command(`LOGIN alice@example.com "${PASSWORD}"`, 'u3'))[0]!, /^u3 OK/);
      b.close();
    } finally {
      await g.close();
    }
  });

  it('refuses plaintext login without TLS unless allowed', async () => {
    const g = await startFixture({ allowInsecureAuth: () => false });
    try {
      const c = await g.connect();
      assert.match(await c.response(), /LOGINDISABLED/);
      assert.deepEqual(await c.command(`LOGIN alice@example.com "${PASSWORD}"`, 'n1'), [
        'n1 NO [PRIVACYREQUIRED] Use STARTTLS or port 993 first',
      ]);
      assert.deepEqual(await c.command(`AUTHENTICATE PLAIN ${b64(`\0alice@example.com\0${PASSWORD}`)}`, 'n2'), [
        'n2 NO [PRIVACYREQUIRED] Use STARTTLS or port 993 first',
      ]);
      c.close();
    } finally {
      await g.close();
    }
  });
});

describe('imap connection: mailbox commands on the store', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('ID, ENABLE, NAMESPACE', async () => {
    const c = await f.login();
    assert.deepEqual(await c.command('ID ("name" "test" "version" NIL)', 'd1'), [
      '* ID ("name" "Pochta" "vendor" "Pochta")',
      'd1 OK ID completed',
    ]);
    assert.deepEqual(await c.command('ENABLE CONDSTORE X-UNKNOWN', 'd2'), ['* ENABLED CONDSTORE', 'd2 OK ENABLE completed']);
    c.close();
  });

  it('LIST shows the default folders with special-use and children attributes', async () => {
    const c = await f.login();
    assert.deepEqual(await c.command('LIST "" ""', 'l0'), ['* LIST (\\Noselect) "/" ""', 'l0 OK LIST completed']);
    const r = await c.command('LIST "" *', 'l1');
    assert.deepEqual(r, [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
      '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
      '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
      '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
      '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
      'l1 OK LIST completed',
    ]);
    assert.deepEqual(await c.command('LIST "" inbox', 'l2'), ['* LIST (\\HasNoChildren) "/" "INBOX"', 'l2 OK LIST completed']);
    const x = await c.command('XLIST "" *', 'l3');
    assert.ok(x.includes('* XLIST (\\HasNoChildren \\Inbox) "/" "INBOX"'));
    assert.ok(x.includes('* XLIST (\\HasNoChildren \\Junk) "/" "Junk"') === false);
    assert.ok(x.includes('* XLIST (\\HasNoChildren \\Spam) "/" "Junk"'));
    c.close();
  });

  it('CREATE (with USE and non-ASCII names), hierarchy, RENAME, DELETE, SUBSCRIBE, LSUB', async () => {
    const c = await f.login();
    assert.deepEqual(await c.command('CREATE "Entw&APw-rfe/Alt"', 'c1'), ['c1 OK CREATE completed']);
    assert.deepEqual(await c.command('CREATE Entw&APw-rfe', 'c2'), ['c2 NO [ALREADYEXISTS] Already exists']);
    assert.deepEqual(await c.command('CREATE inbox', 'c3'), ['c3 NO [ALREADYEXISTS] INBOX already exists']);
    assert.deepEqual(await c.command('CREATE Everything (USE (\\All))', 'c4'), ['c4 OK CREATE completed']);
    assert.deepEqual(await c.command('LIST "" Entw&APw-rfe/%', 'c5'), [
      '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe/Alt"',
      'c5 OK LIST completed',
    ]);
    assert.deepEqual(await c.command('LIST "" %', 'c5b').then((r) => r.filter((l) => l.includes('Entw'))), [
      '* LIST (\\HasChildren) "/" "Entw&APw-rfe"',
    ]);
    assert.deepEqual(await c.command('LIST (SPECIAL-USE) "" *', 'c6').then((r) => r.filter((l) => l.includes('All'))), [
      '* LIST (\\HasNoChildren \\All) "/" "Everything"',
    ]);
    assert.deepEqual(await c.command('DELETE Entw&APw-rfe', 'c7'), ['c7 NO [HASCHILDREN] Mailbox has children']);
    assert.deepEqual(await c.command('RENAME Entw&APw-rfe Drafts2', 'c8'), ['c8 OK RENAME completed']);
    assert.deepEqual(await c.command('RENAME Nope X', 'c9'), ['c9 NO [NONEXISTENT] No such mailbox']);
    assert.deepEqual(await c.command('RENAME Drafts2 Drafts2/Sub', 'c10'), ['c10 NO [CANNOT] Cannot rename a mailbox into itself']);
    assert.deepEqual(await c.command('SUBSCRIBE Drafts2/Alt', 'c11'), ['c11 OK SUBSCRIBE completed']);
    assert.deepEqual(await c.command('LSUB "" Drafts2/*', 'c12'), ['* LSUB () "/" "Drafts2/Alt"', 'c12 OK LSUB completed']);
    assert.deepEqual(await c.command('LIST (SUBSCRIBED) "" "Drafts2*"', 'c13'), [
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Drafts2/Alt"',
      'c13 OK LIST completed',
    ]);
    assert.deepEqual(await c.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Drafts2"', 'c13b'), [
      '* LIST (\\HasChildren) "/" "Drafts2" ("CHILDINFO" ("SUBSCRIBED"))',
      'c13b OK LIST completed',
    ]);
    assert.deepEqual(await c.command('UNSUBSCRIBE Drafts2/Alt', 'c14'), ['c14 OK UNSUBSCRIBE completed']);
    assert.deepEqual(await c.command('LSUB "" *', 'c15').then((r) => r.filter((l) => l.includes('Drafts2'))), []);
    assert.deepEqual(await c.command('DELETE Drafts2/Alt', 'c16'), ['c16 OK DELETE completed']);
    assert.deepEqual(await c.command('DELETE Drafts2/Alt', 'c17'), ['c17 NO [NONEXISTENT] No such mailbox']);
    assert.deepEqual(await c.command('DELETE INBOX', 'c18'), ['c18 NO [CANNOT] INBOX cannot be deleted']);
    assert.deepEqual(await c.command('CREATE "a//b"', 'c19'), ['c19 NO [CANNOT] Invalid mailbox name']);
    c.close();
  });

  it('STATUS and LIST-STATUS', async () => {
    const inbox = await f.store.getMailbox(f.account.id, 'INBOX');
    await f.store.appendMessage(inbox!.id, Buffer.from('Subject: one\r\n\r\nbody\r\n'), { flags: ['\\Seen'] });
    await f.store.appendMessage(inbox!.id, Buffer.from('Subject: two\r\n\r\nbody\r\n'), { flags: ['\\Deleted', '$Work'] });
    const c = await f.login();
    const r = await c.command('STATUS inbox (MESSAGES UNSEEN UIDNEXT DELETED SIZE RECENT)', 's1');
    assert.match(r[0]!, /^\* STATUS "INBOX" \(MESSAGES 2 UNSEEN 1 UIDNEXT 3 DELETED 1 SIZE \d+ RECENT 0\)$/);
    assert.deepEqual(await c.command('STATUS Nope (MESSAGES)', 's2'), ['s2 NO [NONEXISTENT] No such mailbox']);
    assert.deepEqual(await c.command('LIST "" INBOX RETURN (STATUS (MESSAGES UIDVALIDITY))', 's3').then((l) => l.length), 3);
    c.close();
  });

  it('SELECT and EXAMINE send the mailbox state; CLOSE expunges, UNSELECT does not', async () => {
    const c = await f.login();
    const r = await c.command('SELECT INBOX', 'x1');
    const uidValidity = (await f.store.getMailbox(f.account.id, 'INBOX'))!.uidValidity;
    assert.deepEqual(r, [
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted',
      '* 2 EXISTS',
      '* 0 RECENT',
      '* OK [UNSEEN 2] First unseen',
      `* OK [UIDVALIDITY ${uidValidity}] UIDs valid`,
      '* OK [UIDNEXT 3] Predicted next UID',
      'x1 OK [READ-WRITE] SELECT completed',
    ]);
    const e = await c.command('EXAMINE INBOX (CONDSTORE)', 'x2');
    assert.equal(e[0], '* OK [CLOSED] Previous mailbox closed');
    assert.match(e.join('\n'), /PERMANENTFLAGS \(\)/);
    assert.match(e.join('\n'), /HIGHESTMODSEQ \d+/);
    assert.equal(e.at(-1), 'x2 OK [READ-ONLY] EXAMINE completed');
    assert.deepEqual(await c.command('CLOSE', 'x3'), ['x3 OK CLOSE completed']);
    assert.equal((await f.store.getMailbox(f.account.id, 'INBOX'))!.messages, 2, 'EXAMINE never expunges');
    await c.command('SELECT INBOX', 'x4');
    assert.deepEqual(await c.command('UNSELECT', 'x5'), ['x5 OK UNSELECT completed']);
    assert.equal((await f.store.getMailbox(f.account.id, 'INBOX'))!.messages, 2);
    assert.deepEqual(await c.command('CHECK', 'x6'), ['x6 BAD CHECK not allowed now']);
    await c.command('SELECT INBOX', 'x7');
    assert.deepEqual(await c.command('CHECK', 'x8'), ['x8 OK CHECK completed']);
    assert.deepEqual(await c.command('CLOSE', 'x9'), ['x9 OK CLOSE completed']);
    assert.equal((await f.store.getMailbox(f.account.id, 'INBOX'))!.messages, 1);
    assert.deepEqual(await c.command('SELECT Nope', 'x10'), ['x10 NO [NONEXISTENT] No such mailbox']);
    c.close();
  });

  it('APPEND with flags, date and literals of both kinds; TRYCREATE; limits', async () => {
    const c = await f.login();
    const box = (await f.store.getMailbox(f.account.id, 'Drafts'))!;
    const msg = 'Subject: draft\r\n\r\nhello\r\n';
    c.write(`a1 APPEND Drafts (\\Draft $Work) " 5-Jan-2024 10:00:00 +0100" {${msg.length}}\r\n`);
    assert.equal(await c.response(), '+ Ready for literal');
    c.write(`${msg}\r\n`);
    assert.deepEqual(await c.until('a1'), [`a1 OK [APPENDUID ${box.uidValidity} 1] APPEND completed`]);
    const stored = (await f.store.listMessages(box.id))[0]!;
    assert.deepEqual([...stored.flags].sort(), ['$Work', '\\Draft']);
    assert.equal(stored.internalDate, Date.UTC(2024, 0, 5, 9));
    assert.equal(Buffer.from((await f.store.readBody(stored.blobId))!).toString(), msg);
    assert.deepEqual(await c.command(`APPEND Drafts {${msg.length}+}\r\n${msg}`, 'a2'), [
      `a2 OK [APPENDUID ${box.uidValidity} 2] APPEND completed`,
    ]);
    assert.deepEqual(await c.command('APPEND Nope {1+}\r\nx', 'a3'), ['a3 NO [TRYCREATE] Mailbox does not exist']);
    assert.deepEqual(await c.command('APPEND Drafts {0+}\r\n', 'a4'), ['a4 NO [CANNOT] Empty message']);
    c.write(`a5 APPEND Drafts {${1024 * 1024 + 1}}\r\n`);
    assert.equal(await c.response(), 'a5 NO [TOOBIG] Literal too big');
    assert.deepEqual(await c.command('APPEND Drafts (\\Recent) {1+}\r\nx', 'a6'), ['a6 BAD Invalid flag']);
    // bare LF line ends are stored as CRLF (as SMTP stores them); a literal8 is kept byte for byte
    const sloppy = 'Subject: lf\n\nline\n';
    assert.deepEqual(await c.command(`APPEND Drafts {${sloppy.length}+}\r\n${sloppy}`, 'a7'), [
      `a7 OK [APPENDUID ${box.uidValidity} 3] APPEND completed`,
    ]);
    const binary = 'Subject: bin\r\n\r\n\x01\n\x02\r';
    assert.deepEqual(await c.command(`APPEND Drafts ~{${binary.length}+}\r\n${binary}`, 'a8'), [
      `a8 OK [APPENDUID ${box.uidValidity} 4] APPEND completed`,
    ]);
    const [, , lf, bin] = await f.store.listMessages(box.id);
    assert.equal(Buffer.from((await f.store.readBody(lf!.blobId))!).toString(), 'Subject: lf\r\n\r\nline\r\n');
    assert.equal(lf!.size, 'Subject: lf\r\n\r\nline\r\n'.length);
    assert.equal(Buffer.from((await f.store.readBody(bin!.blobId))!).toString('latin1'), binary);
    c.close();
  });

  it('GETQUOTAROOT, GETQUOTA and SETQUOTA (RFC 9208)', async () => {
    const c = await f.login();
    assert.deepEqual(await c.command('GETQUOTAROOT INBOX', 'q1'), ['* QUOTAROOT "INBOX"', 'q1 OK GETQUOTAROOT completed']);
    assert.deepEqual(await c.command('GETQUOTA ""', 'q2'), ['q2 NO [NONEXISTENT] No such quota root']);
    await f.store.updateAccount(f.account.id, { quotaBytes: 10 * 1024 * 1024 });
    const used = Math.ceil((await f.store.getAccount(f.account.id))!.usedBytes / 1024);
    assert.deepEqual(await c.command('GETQUOTAROOT Sent', 'q3'), [
      '* QUOTAROOT "Sent" ""',
      `* QUOTA "" (STORAGE ${used} 10240)`,
      'q3 OK GETQUOTAROOT completed',
    ]);
    assert.deepEqual(await c.command('GETQUOTA ""', 'q4'), [`* QUOTA "" (STORAGE ${used} 10240)`, 'q4 OK GETQUOTA completed']);
    assert.deepEqual(await c.command('GETQUOTAROOT Nope', 'q5'), ['q5 NO [NONEXISTENT] No such mailbox']);
    assert.deepEqual(await c.command('SETQUOTA "" (STORAGE 1)', 'q6'), ['q6 NO [NOPERM] Quotas are set by the administrator']);
    assert.deepEqual(await c.command('SETQUOTA "" STORAGE', 'q7'), ['q7 BAD Invalid resource limits']);
    await f.store.updateAccount(f.account.id, { quotaBytes: 0 });
    c.close();
  });

  it('IDLE sends queued updates at once and ends on DONE', async () => {
    const c = await f.login();
    await c.command('SELECT INBOX', 'i0');
    c.write('i1 IDLE\r\n');
    assert.equal(await c.response(), '+ idling');
    const conn = [...f.server.connections].find((k) => k.session.state === 'selected');
    assert.ok(conn);
    conn.session.updates.push({ type: 'data', values: [2, { kind: 'atom', value: 'EXISTS' }] });
    assert.equal(await c.response(), '* 2 EXISTS');
    c.write('DONE\r\n');
    assert.equal(await c.response(), 'i1 OK IDLE terminated');
    c.close();
  });
});
