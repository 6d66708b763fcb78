// Mailbox create, rename (children, INBOX the RFC 3501 way), delete, subscribe.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import type { Account, StoreEvent } from '../../../firmware/store/types.ts';
import { body, type TestStore, tempStore, withAccount } from './helpers.ts';

const code = (c: string) => (err: unknown) => isPochtaError(err) && err.code === c;

describe('mailboxes', () => {
  let t: TestStore;
  let account: Account;
  const events: StoreEvent[] = [];
  before(async () => {
    t = await tempStore();
    ({ account } = await withAccount(t.store));
    t.store.subscribe((event) => events.push(event));
  });
  after(() => t.cleanup());
  const names = async () => (await t.store.listMailboxes(account.id)).map((m) => m.name).sort();

  it('creates missing parents and refuses duplicates and bad names', async () => {
    const created = await t.store.createMailbox(account.id, 'Projects/2026/Q4', { subscribed: true });
    assert.equal(created.name, 'Projects/2026/Q4');
    assert.equal(created.subscribed, true);
    assert.ok((await names()).includes('Projects') && (await names()).includes('Projects/2026'));
    await assert.rejects(t.store.createMailbox(account.id, 'Projects'), code('ALREADY_EXISTS'));
    await assert.rejects(t.store.createMailbox(account.id, 'inbox'), code('ALREADY_EXISTS'));
    for (const bad of ['', '/lead', 'trail/', 'a//b', 'star*', 'pct%', 'ctl\u0001']) {
      await assert.rejects(t.store.createMailbox(account.id, bad), code('INVALID_NAME'), bad);
    }
    await assert.rejects(t.store.createMailbox('no-account', 'X'), code('NOT_FOUND'));
    assert.ok(events.some((e) => e.type === 'mailbox-created' && e.name === 'Projects/2026/Q4'));
  });

  it('treats INBOX case-insensitively', async () => {
    const inbox = await t.store.getMailbox(account.id, 'iNbOx');
    assert.equal(inbox?.name, 'INBOX');
    const child = await t.store.createMailbox(account.id, 'inbox/Receipts');
    assert.equal(child.name, 'INBOX/Receipts');
  });

  it('renames with children and keeps ids and UIDVALIDITY', async () => {
    const before = await t.store.getMailbox(account.id, 'Projects/2026');
    await t.store.appendMessage(before?.id ?? '', body('in projects'));
    const renamed = await t.store.renameMailbox(account.id, 'Projects', 'Archive/Old projects');
    assert.equal(renamed.name, 'Archive/Old projects');
    const after = await t.store.getMailbox(account.id, 'Archive/Old projects/2026');
    assert.equal(after?.id, before?.id);
    assert.equal(after?.uidValidity, before?.uidValidity);
    assert.equal(after?.messages, 1);
    assert.ok((await names()).includes('Archive/Old projects/2026/Q4'));
    assert.ok(!(await names()).some((n) => n.startsWith('Projects')));
    assert.ok(events.some((e) => e.type === 'mailbox-renamed' && e.oldName === 'Projects/2026/Q4'));
  });

  it('refuses renames onto existing names, into itself, or of missing mailboxes', async () => {
    await t.store.createMailbox(account.id, 'A/B');
    await t.store.createMailbox(account.id, 'C/B');
    await assert.rejects(t.store.renameMailbox(account.id, 'A', 'Sent'), code('ALREADY_EXISTS'));
    await assert.rejects(t.store.renameMailbox(account.id, 'A', 'A/B/C'), code('INVALID_NAME'));
    await assert.rejects(t.store.renameMailbox(account.id, 'Missing', 'Z'), code('NOT_FOUND'));
    await assert.rejects(t.store.renameMailbox(account.id, 'Sent', 'INBOX'), code('ALREADY_EXISTS'));
  });

  it('renaming INBOX moves its messages into a new mailbox and leaves INBOX empty', async () => {
    const inbox = await t.store.getMailbox(account.id, 'INBOX');
    assert.ok(inbox);
    await t.store.appendMessage(inbox.id, body('one'), { flags: ['\\Seen'] });
    await t.store.appendMessage(inbox.id, body('two'));
    const usedBefore = (await t.store.getAccount(account.id))?.usedBytes;
    const moved = await t.store.renameMailbox(account.id, 'INBOX', 'Old INBOX');
    assert.notEqual(moved.id, inbox.id);
    assert.notEqual(moved.uidValidity, inbox.uidValidity);
    assert.equal(moved.messages, 2);
    assert.equal(moved.unseen, 1);
    assert.deepEqual(
      (await t.store.listMessages(moved.id)).map((m) => m.uid),
      [1, 2],
    );
    const emptied = await t.store.getMailbox(account.id, 'INBOX');
    assert.equal(emptied?.id, inbox.id);
    assert.equal(emptied?.messages, 0);
    assert.equal(emptied?.size, 0);
    assert.ok((emptied?.uidNext ?? 0) >= 3, 'UIDs are never reused');
    assert.ok((await names()).includes('INBOX/Receipts'), 'INBOX children stay');
    assert.equal((await t.store.getAccount(account.id))?.usedBytes, usedBefore, 'a rename does not change usage');
  });

  it('deletes a mailbox and its messages but never INBOX', async () => {
    await assert.rejects(t.store.deleteMailbox(account.id, 'inbox'), code('CANNOT_DELETE_SPECIAL'));
    const victim = await t.store.createMailbox(account.id, 'Temp');
    const message = await t.store.appendMessage(victim.id, body('temporary', 3000));
    const usedBefore = (await t.store.getAccount(account.id))?.usedBytes ?? 0;
    await t.store.deleteMailbox(account.id, 'Temp');
    assert.equal(await t.store.getMailbox(account.id, 'Temp'), undefined);
    assert.deepEqual(await t.store.listMessages(victim.id), []);
    assert.equal((await t.store.getAccount(account.id))?.usedBytes, usedBefore - message.size);
    assert.equal(await t.store.readBody(message.blobId), undefined);
    await assert.rejects(t.store.deleteMailbox(account.id, 'Temp'), code('NOT_FOUND'));
    const again = await t.store.createMailbox(account.id, 'Temp');
    assert.notEqual(again.uidValidity, victim.uidValidity, 'a re-created name gets a new UIDVALIDITY');
    assert.ok(events.some((e) => e.type === 'mailbox-deleted' && e.mailboxId === victim.id));
  });

  it('subscribes and unsubscribes', async () => {
    await t.store.setSubscribed(account.id, 'Temp', true);
    assert.equal((await t.store.getMailbox(account.id, 'Temp'))?.subscribed, true);
    await t.store.setSubscribed(account.id, 'Temp', false);
    assert.equal((await t.store.getMailbox(account.id, 'Temp'))?.subscribed, false);
    await assert.rejects(t.store.setSubscribed(account.id, 'Nope', true), code('NOT_FOUND'));
    assert.deepEqual((await t.store.fsck()).problems, []);
  });
});
