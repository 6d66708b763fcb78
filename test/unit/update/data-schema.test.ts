// The roll back's data step: the newer release's own CLI (`pochta store schema`,
// `pochta store downgrade`) converts real data for an older release that knows
// schemas up to 5; an older release that cannot say leaves the data alone.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STORE_SCHEMA, storedSchema } from '../../../firmware/store/index.ts';
import { dataSchemaMatcher, type ReleaseCli } from '../../../firmware/update/data-schema.ts';
import { applyUpdate, generateSigningKeys, readReleaseLinks, rollbackRelease, type UpdateDeps } from '../../../firmware/update/index.ts';
import { updateFixtures } from '../../image/update-fixtures.ts';
import { runPochta } from '../../support/daemon.ts';
import { body, tempStore, withAccount } from '../store/helpers.ts';

/** 'new' is this checkout's CLI; 'old' answers as a release knowing schemas 1..5 would; 'ancient' predates the verb. */
function releases(calls: string[]): ReleaseCli {
  return async (version, args) => {
    calls.push(`${version}: ${args.join(' ')}`);
    if (version === 'old') return JSON.stringify({ supported: 5 });
    if (version === 'ancient') throw new Error('unknown command: store schema');
    const run = await runPochta(args);
    if (run.code !== 0) throw new Error(run.stderr);
    return run.stdout;
  };
}

describe('update roll back: the mail data follows the release', () => {
  it('converts data the newer release migrated down to what the older one opens, after stopping the daemon', async () => {
    const t = await tempStore({ bodyMover: { delayMs: 3_600_000, eagerCount: 1_000_000 } });
    try {
      const { account } = await withAccount(t.store);
      await t.store.deliver({ recipients: [{ accountId: account.id }], body: body('still in the database', 3000) });
      await t.store.close();
      const calls: string[] = [];
      let stopped = 0;
      const match = dataSchemaMatcher({ root: '/nonexistent', dataDir: t.dir, stop: async () => void stopped++, cli: releases(calls) });
      await match('new', 'old');
      assert.equal(stopped, 1);
      assert.equal(await storedSchema(t.dir), 5);
      assert.deepEqual(calls, [
        `old: store schema --json --data ${t.dir}`,
        `new: store schema --json --data ${t.dir}`,
        `new: store downgrade --to 5 --json --data ${t.dir}`,
      ]);
      // nothing to do the second time (the data is at 5 already)
      calls.length = 0;
      await match('new', 'old');
      assert.equal(calls.length, 2);
    } finally {
      await t.cleanup();
    }
  });

  it('leaves the data alone when the older release cannot say which schema it knows', async () => {
    const t = await tempStore();
    try {
      await t.store.close();
      const calls: string[] = [];
      const lines: string[] = [];
      const match = dataSchemaMatcher({
        root: '/nonexistent',
        dataDir: t.dir,
        stop: async () => {},
        cli: releases(calls),
        log: (l) => lines.push(l),
      });
      await match('new', 'ancient');
      assert.equal(await storedSchema(t.dir), STORE_SCHEMA);
      assert.match(lines.join('\n'), /cannot tell which store schema/);
    } finally {
      await t.cleanup();
    }
  });

  it('pochta store downgrade needs --to; pochta store schema tells both versions', async () => {
    const t = await tempStore();
    try {
      await t.store.close();
      const usage = await runPochta(['store', 'downgrade', '--data', t.dir]);
      assert.equal(usage.code, 64, usage.stderr);
      const schema = await runPochta(['store', 'schema', '--data', t.dir]);
      assert.match(schema.stdout, new RegExp(`knows store schema 1\\.\\.${STORE_SCHEMA}; the data is at ${STORE_SCHEMA}`));
    } finally {
      await t.cleanup();
    }
  });
});

describe('update roll back: when the data step runs', () => {
  let dir: string;
  const keys = generateSigningKeys();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pochta-update-match-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('before switching back: after an unhealthy update, and on a roll back by hand; never on a healthy update', async () => {
    const fx = updateFixtures(dir, keys.privateKeyPem);
    const root = await fx.appsRoot();
    const steps: string[] = [];
    const deps: UpdateDeps = {
      root,
      publicKey: keys.publicKeyPem,
      restart: async () => {
        steps.push(`restart ${(await readReleaseLinks(root)).current}`);
      },
      health: async () => {
        const { current } = await readReleaseLinks(root);
        return { ok: current !== 'v3-broken', detail: `${current}` };
      },
      matchData: async (from, to) => {
        steps.push(`data ${from} -> ${to} while current is ${(await readReleaseLinks(root)).current}`);
      },
    };
    await applyUpdate(await fx.bundle('v2'), deps);
    assert.deepEqual(steps, ['restart v2'], 'a healthy update converts nothing');
    steps.length = 0;
    const result = await applyUpdate(await fx.bundle('v3-broken'), deps);
    assert.equal(result.outcome, 'rolled-back');
    assert.deepEqual(steps, ['restart v3-broken', 'data v3-broken -> v2 while current is v3-broken', 'restart v2']);
    steps.length = 0;
    await rollbackRelease(deps);
    assert.deepEqual(steps, ['data v2 -> v1 while current is v2', 'restart v1']);
    // a data step that fails is reported and the roll back still happens
    const lines: string[] = [];
    const failing: UpdateDeps = {
      ...deps,
      matchData: async () => {
        throw new Error('disk trouble');
      },
      log: (line) => lines.push(line),
    };
    await rollbackRelease(failing);
    assert.equal((await readReleaseLinks(root)).current, 'v2');
    assert.match(lines.join('\n'), /could not convert the mail data for v2: disk trouble/);
  });
});
