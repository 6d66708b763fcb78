import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSupervisor, type Supervisor } from '../../../firmware/supervisor/index.ts';
import { addressOf, spec, testOptions, waitForStatus } from './harness.ts';
import { connectLines, type LineClient } from './line-client.ts';
import { openTestStore, type TestStore } from './store-fixture.ts';

describe('a listener crash does not disturb the store', () => {
  let fixture: TestStore;
  let supervisor: Supervisor;
  let other: LineClient;
  let accountId: string;
  let inbox: string;

  before(async () => {
    fixture = await openTestStore();
    await fixture.store.addDomain('example.test');
    const account = await fixture.store.createAccount({ address: 'ann@example.test', passwordHash: 'x' });
    accountId = account.id;
    const mailbox = await fixture.store.getMailbox(accountId, 'INBOX');
    assert.ok(mailbox);
    inbox = mailbox.id;
    supervisor = createSupervisor(testOptions(fixture, [spec('imap', 'echo'), spec('pop3', 'exiting')]));
    await supervisor.start();
    other = await connectLines(addressOf(supervisor, 'imap'));
    await other.readLine();
    assert.equal(await other.command('WATCH'), 'WATCHING');
  });
  after(async () => {
    other?.close();
    await supervisor?.stop(Date.now() + 2000);
    await fixture?.cleanup();
  });

  it('a delivery sent by a thread that exits at once commits whole or not at all, and the others keep serving', async () => {
    // The dying thread never got a reply, so nothing it sent was acknowledged: a
    // call still in its port when the thread dies may be dropped (under load the
    // exit can be seen first). What must hold: no half-written delivery, the
    // event of any commit reaches the other listener, and the store keeps serving.
    let committed = 0;
    for (let round = 1; round <= 3; round++) {
      const client = await connectLines(addressOf(supervisor, 'pop3'));
      await client.readLine();
      // The dying thread is subscribed too: its feed must end with it, not break later commits.
      assert.equal(await client.command('WATCH'), 'WATCHING');
      client.command(`WRITE-EXIT ${accountId} round${round}`).catch(() => {});
      const status = await waitForStatus(supervisor, 'pop3', (s) => s.state === 'running' && s.restarts === round);
      assert.match(status.lastError ?? '', /exited with code 4/);
      client.close();

      // Generous wait: the commit's fsync can be slow on a busy disk; nothing here is timed.
      const line = await other.readLine(10_000).catch(() => undefined);
      if (line !== undefined) {
        const event = JSON.parse(line.replace(/^EVENT /, '')) as { type: string; mailboxId: string };
        assert.equal(event.type, 'message-added');
        assert.equal(event.mailboxId, inbox);
        committed += 1;
        const last = (await fixture.store.listMessages(inbox)).at(-1);
        assert.ok(last);
        assert.match(new TextDecoder().decode(await fixture.store.readBody(last.blobId)), new RegExp(`round${round}`));
      }
      assert.equal((await fixture.store.listMessages(inbox)).length, committed);

      // The other listener still reads and writes through its own proxy.
      // The change event (pushed as the write commits) comes before the command's reply.
      assert.match(await other.command(`SET crash.round ${round}`), /^EVENT .*settings-changed/);
      assert.equal(await other.readLine(), 'OK');
      assert.equal(await other.command('GET crash.round'), `VALUE "${round}"`);
    }
    assert.ok(committed >= 1, 'at least one in-flight delivery of three committed');
    const report = await fixture.store.fsck();
    assert.deepEqual(report.problems, []);
    assert.equal(report.checked.messages, committed);
  });
});
