// Adversarial review of the body mover (body-mover.ts): interleavings of
// deliveries, expunges, failed deliveries, fsck and a second pass with a pass
// that has written and synced its files but not yet handed the bodies over to
// them. The promise under test: a message that got a success reply always
// reads back whole.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClassicLevel } from 'classic-level';
import { isPochtaError } from '../../../firmware/errors.ts';
import { OPEN_MARKER_KEY } from '../../../firmware/store/keys.ts';
import { body, tempStore, withAccount } from './helpers.ts';

/** A gate a test opens when it wants the held party to go on. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

const quiet = { delayMs: 60_000, eagerCount: 1_000_000 } as const;

describe('body mover review', () => {
  it('keeps a body when a failed delivery of the same bytes comes between its move and its hand-over', async () => {
    let interleave: (() => Promise<void>) | undefined;
    const t = await tempStore({ bodyMover: { ...quiet, beforeHandOver: () => interleave?.() ?? Promise.resolve() } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const full = await withAccount(t.store, 'full@example.com', 10);
      const draft = body('the same bytes, three times', 4000);
      const first = await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      interleave = async () => {
        interleave = undefined;
        // the file is written and synced; the message goes (its bytes leave the database, the file stays for the mover)
        await t.store.expunge(inbox.id, [1]);
        // the same bytes to a mailbox over quota: refused, and the refused body is collected
        await assert.rejects(t.store.appendMessage(full.inbox.id, draft), (err) => isPochtaError(err, 'OVER_QUOTA'));
        // and delivered again, successfully: a reply of success
        await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      };
      await t.store.moveBodies();
      const [message] = await t.store.listMessages(inbox.id);
      assert.equal(message?.uid, 2);
      const bytes = await t.store.readBody(first.blobId);
      assert.deepEqual(Buffer.from(bytes ?? []), Buffer.from(draft), 'the acknowledged message reads back whole');
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });

  it('keeps a body when fsck --repair runs between the move and the hand-over', async () => {
    let interleave: (() => Promise<void>) | undefined;
    const t = await tempStore({ bodyMover: { ...quiet, beforeHandOver: () => interleave?.() ?? Promise.resolve() } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const draft = body('saved, deleted, saved again', 4000);
      const first = await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      interleave = async () => {
        interleave = undefined;
        await t.store.expunge(inbox.id, [1]);
        // an administrator's repair sees a file nothing refers to and removes it
        await t.store.fsck({ repair: true });
        await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      };
      await t.store.moveBodies();
      assert.deepEqual(Buffer.from((await t.store.readBody(first.blobId)) ?? []), Buffer.from(draft));
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      await t.cleanup();
    }
  });

  it('runs no pass beside a moveBodies() pass, and keeps a body deleted and delivered again between passes', async () => {
    const drainAtHandOver = gate();
    const releaseDrain = gate();
    const timedAtHandOver = gate();
    const releaseTimed = gate();
    let calls = 0;
    const t = await tempStore({
      bodyMover: {
        delayMs: 60_000,
        eagerCount: 2,
        beforeHandOver: async () => {
          calls += 1;
          if (calls === 1) {
            drainAtHandOver.open();
            await releaseDrain.wait;
          } else if (calls === 2) {
            timedAtHandOver.open();
            await releaseTimed.wait;
          }
        },
      },
    });
    try {
      const { account, inbox } = await withAccount(t.store);
      const draft = body('a draft', 3000);
      const first = await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      // a pass of moveBodies() writes the draft's file and waits to hand it over
      const draining = t.store.moveBodies().catch((err: unknown) => err);
      await drainAtHandOver.wait;
      // two new bodies would start a timed pass (eagerCount 2): not beside the drain's
      await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('other 1', 3000) });
      await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('other 2', 3000) });
      await sleep(50);
      assert.equal(calls, 1, "no second pass runs beside moveBodies()'s");
      // the drain's pass hands the draft over to its file; the timed pass follows and holds
      releaseDrain.open();
      await timedAtHandOver.wait;
      // the draft goes (its file with it) and comes back: in the database again
      await t.store.expunge(inbox.id, [1]);
      await t.store.deliver({ recipients: [{ accountId: account.id }], body: draft });
      releaseTimed.open();
      assert.equal(await draining, undefined);
      await t.store.moveBodies();
      const messages = await t.store.listMessages(inbox.id);
      assert.equal(messages.length, 3);
      for (const m of messages) assert.equal((await t.store.readBody(m.blobId))?.byteLength, m.size, `body of UID ${m.uid}`);
      assert.deepEqual(Buffer.from((await t.store.readBody(first.blobId)) ?? []), Buffer.from(draft));
      assert.deepEqual((await t.store.fsck()).problems, []);
    } finally {
      releaseDrain.open();
      releaseTimed.open();
      await t.cleanup();
    }
  });

  it('close waits for a moveBodies() pass in flight, which completes its hand-over', async () => {
    const atHandOver = gate();
    const release = gate();
    const t = await tempStore({
      bodyMover: {
        ...quiet,
        beforeHandOver: async () => {
          atHandOver.open();
          await release.wait;
        },
      },
    });
    try {
      const { account } = await withAccount(t.store);
      const delivered = await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('moving at close', 4000) });
      const moving = t.store.moveBodies().then(
        () => 'moved',
        (err: unknown) => err,
      );
      await atHandOver.wait;
      let closed = false;
      const closing = t.store.close().then(() => {
        closed = true;
      });
      await sleep(50);
      assert.equal(closed, false, 'close waits for the pass');
      release.open();
      await closing;
      assert.equal(await moving, 'moved');
      // the hand-over landed before close: the body is a file, and the close was clean
      assert.equal(existsSync(t.store.blobPath(delivered.blobId)), true);
      const db = new ClassicLevel<string, unknown>(path.join(t.dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'json' });
      await db.open();
      try {
        assert.equal(await db.get(OPEN_MARKER_KEY), undefined, 'clean close');
        assert.equal(await db.get(`bdata:${delivered.blobId}`), undefined, 'the database copy went');
      } finally {
        await db.close();
      }
    } finally {
      release.open();
      await t.cleanup();
    }
  });
});
