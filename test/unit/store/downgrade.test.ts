// Taking the data back to schema 5 for an older release (an update rolled
// back): bodies still kept in the database move to their files first, the
// inline flags go, and a firmware that knows only schemas 1..5 opens it and
// reads every body.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isPochtaError } from '../../../firmware/errors.ts';
import { downgradeStore, openStore, STORE_SCHEMA, storedSchema } from '../../../firmware/store/index.ts';
import { MIGRATIONS } from '../../../firmware/store/migrations.ts';
import { body, tempStore, withAccount } from './helpers.ts';

describe('store downgrade', () => {
  it('moves every body to its file and opens under the older schema with every body readable', async () => {
    // the mover never runs on its own here: bodies stay in the database until the downgrade
    const t = await tempStore({ bodyMover: { delayMs: 3_600_000, eagerCount: 1_000_000 } });
    try {
      const { account, inbox } = await withAccount(t.store);
      const bodies = [body('one', 2000), body('two', 70_000), body('three', 500)];
      const ids: string[] = [];
      for (const b of bodies) ids.push((await t.store.deliver({ recipients: [{ accountId: account.id }], body: b })).blobId);
      assert.equal(existsSync(t.store.blobPath(ids[0]!)), false, 'a small body is still in the database');
      await t.store.close();
      assert.equal(await storedSchema(t.dir), STORE_SCHEMA);

      assert.deepEqual(await downgradeStore(t.dir, 5), { from: STORE_SCHEMA, to: 5 });
      assert.equal(await storedSchema(t.dir), 5);
      for (const id of ids) assert.equal(existsSync(t.store.blobPath(id)), true, `body ${id} is a file`);

      // what firmware that knows schemas 1..5 sees (its own code is gone; its migrations are these five)
      const older = await openStore({ dir: t.dir, migrations: MIGRATIONS.slice(0, 5) });
      try {
        const messages = await older.listMessages(inbox.id);
        assert.equal(messages.length, 3);
        for (const [i, m] of messages.entries()) {
          assert.deepEqual(Buffer.from((await older.readBody(m.blobId)) ?? []), Buffer.from(bodies[i]!));
        }
        assert.deepEqual((await older.fsck()).problems, []);
      } finally {
        await older.close();
      }
      // and back up again with the newer firmware
      const newer = await t.reopen();
      assert.equal(await newer.getMailboxById(inbox.id).then((b) => b?.messages), 3);
    } finally {
      await t.cleanup();
    }
  });

  it('refuses a schema with no way down, and one above the data', async () => {
    const t = await tempStore();
    try {
      await t.store.close();
      await assert.rejects(
        downgradeStore(t.dir, 4),
        (err) => isPochtaError(err, 'INVALID_ARGUMENT') && /schema 5 has no way back/.test(String(err)),
      );
      await assert.rejects(downgradeStore(t.dir, STORE_SCHEMA + 1), (err) => isPochtaError(err, 'INVALID_ARGUMENT'));
      assert.equal(await storedSchema(t.dir), STORE_SCHEMA, 'a refused downgrade changes nothing');
      assert.deepEqual(await downgradeStore(t.dir, STORE_SCHEMA), { from: STORE_SCHEMA, to: STORE_SCHEMA });
    } finally {
      await t.cleanup();
    }
  });
});
