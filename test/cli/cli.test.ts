// The admin CLI against a real running daemon (a child process with its own
// data dir and ports), each verb run as its own `pochta` process.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { AccountView, SettingView, StatusView } from '../../firmware/admin/actions.ts';
import { runCli } from '../../firmware/cli/run.ts';
import { openStore, verifyPassword } from '../../firmware/store/index.ts';
import type { Alias } from '../../firmware/store/types.ts';
import { type CliResult, runPochta, startDaemon, type TestDaemon } from '../support/daemon.ts';

const PASSWORD = 'Correct-Horse-7-Battery';
const NEW_PASSWORD = 'Another-Staple-42-Lamp';

let daemon: TestDaemon;
let scratch: string;

before(async () => {
  daemon = await startDaemon({ only: ['web'] });
  scratch = await mkdtemp(join(tmpdir(), 'pochta-cli-'));
});
after(async () => {
  await daemon?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Run a verb in this process through the same runner as bin/pochta (the daemon
 * is still a separate process, reached over its socket); a few tests below
 * spawn the real command to cover process-level behaviour (stdin, exit codes).
 */
async function cli(args: string[], options: { stdin?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await runCli(
    [...args, '--data', daemon.dataDir],
    {
      stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
      stdout: sink((t) => (stdout += t)),
      stderr: sink((t) => (stderr += t)),
      env: {},
      cwd: process.cwd(),
    },
    'test',
  );
  return { code, stdout, stderr };
}

async function ok(args: string[], stdin?: string): Promise<string> {
  const run = await cli(args, stdin === undefined ? {} : { stdin });
  assert.equal(run.code, 0, `pochta ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

async function json<T>(args: string[], stdin?: string): Promise<T> {
  return JSON.parse(await ok([...args, '--json'], stdin)) as T;
}

async function fails(args: string[], code: string, message: RegExp, stdin?: string): Promise<void> {
  const run = await cli([...args, '--json'], stdin === undefined ? {} : { stdin });
  assert.equal(run.code, 1, `expected failure of pochta ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  const out = JSON.parse(run.stdout) as { error: { code: string; message: string } };
  assert.equal(out.error.code, code);
  assert.match(out.error.message, message);
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one line on stderr');
}

describe('pochta CLI against a running daemon', () => {
  it('status --json shows each listener with its state and restart count', async () => {
    const status = await json<StatusView>(['status']);
    const web = status.listeners.find((l) => l.name === 'web');
    assert.ok(web);
    assert.equal(web.state, 'running');
    assert.equal(web.restarts, 0);
    assert.deepEqual(web.address, { host: '127.0.0.1', port: daemon.ports.web });
    assert.equal(status.dataDir, daemon.dataDir);
    assert.equal(typeof status.store.accounts, 'number');
    const text = await ok(['status']);
    assert.match(text, /^web\s+running\s+127\.0\.0\.1:\d+\s+\d+s\s+0/m);
    const health = await fetch(`http://127.0.0.1:${daemon.ports.web}/health`);
    assert.equal(health.status, 200);
  });

  it('adds, lists and removes domains, with clear errors', async () => {
    assert.match(await ok(['domain', 'add', 'Example.TEST']), /added domain example\.test/);
    await ok(['domain', 'add', 'other.test']);
    const list = await json<{ name: string }[]>(['domain', 'list']);
    assert.deepEqual(list.map((d) => d.name).sort(), ['example.test', 'other.test']);
    await fails(['domain', 'add', 'example.test'], 'ALREADY_EXISTS', /example\.test/);
    await fails(['domain', 'add', 'not a domain'], 'INVALID_DOMAIN', /not a valid domain/);
    await ok(['domain', 'remove', 'other.test']);
    await fails(['domain', 'remove', 'other.test'], 'UNKNOWN_DOMAIN', /other\.test/);
  });

  it('runs as a real process: password piped on stdin, JSON out, exit codes', async () => {
    await ok(['domain', 'add', 'spawned.test']);
    const added = await daemon.cli(['user', 'add', 'p@spawned.test', '--password-stdin', '--json'], { stdin: `${PASSWORD}\n` });
    assert.equal(added.code, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as AccountView).address, 'p@spawned.test');
    const dup = await daemon.cli(['user', 'add', 'p@spawned.test'], { stdin: PASSWORD });
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /^pochta: user p@spawned\.test already exists \[ALREADY_EXISTS\]\n$/);
    const status = await daemon.cli(['status', '--json']);
    assert.equal(status.code, 0);
    assert.equal((JSON.parse(status.stdout) as StatusView).pid, daemon.pid);
    await ok(['user', 'remove', 'p@spawned.test']);
    await ok(['domain', 'remove', 'spawned.test']);
  });

  it('adds users with the password on stdin, never on the command line', async () => {
    const added = await json<AccountView>(
      ['user', 'add', 'Alice@Example.test', '--password-stdin', '--name', 'Alice', '--quota', '500M'],
      `${PASSWORD}\n`,
    );
    assert.equal(added.address, 'alice@example.test');
    assert.equal(added.quotaBytes, 500 * 1024 * 1024);
    assert.equal('passwordHash' in added, false);
    await ok(['user', 'add', 'bob@example.test'], PASSWORD);
    await fails(['user', 'add', 'alice@example.test'], 'ALREADY_EXISTS', /alice@example\.test/, PASSWORD);
    await fails(['user', 'add', 'carol@example.test'], 'WEAK_PASSWORD', /./, 'short');
    await fails(['user', 'add', 'carol@nowhere.test'], 'UNKNOWN_DOMAIN', /nowhere\.test/, PASSWORD);
    await fails(['user', 'add', 'carol@@example.test'], 'INVALID_ADDRESS', /not a valid address/, PASSWORD);
    const users = await json<AccountView[]>(['user', 'list', 'example.test']);
    assert.deepEqual(users.map((u) => u.address).sort(), ['alice@example.test', 'bob@example.test']);
    assert.match(await ok(['user', 'list']), /alice@example\.test\s+Alice\s+0\s+500M\s+yes/);
  });

  it('changes password, quota and enabled state', async () => {
    assert.match(await ok(['user', 'passwd', 'alice@example.test'], `${NEW_PASSWORD}\n`), /password changed/);
    await fails(['user', 'passwd', 'nobody@example.test'], 'UNKNOWN_USER', /nobody@example\.test/, NEW_PASSWORD);
    await fails(['user', 'passwd', 'alice@example.test'], 'WEAK_PASSWORD', /./, 'alice');
    assert.equal((await json<AccountView>(['user', 'quota', 'bob@example.test', '2G'])).quotaBytes, 2 * 1024 ** 3);
    await fails(['user', 'quota', 'bob@example.test', 'huge'], 'INVALID_ARGUMENT', /500M or 2G/);
    assert.equal((await json<AccountView>(['user', 'disable', 'bob@example.test'])).enabled, false);
    assert.equal((await json<AccountView>(['user', 'enable', 'bob@example.test'])).enabled, true);
    // No password ever reaches the daemon's log.
    for (const secret of [PASSWORD, NEW_PASSWORD]) assert.equal(daemon.output().includes(secret), false);
  });

  it('manages aliases: lists with several targets, catch-all, removal of targets', async () => {
    const list = await json<Alias>(['alias', 'add', 'team@example.test', 'alice@example.test', 'bob@example.test']);
    assert.deepEqual([...list.targets].sort(), ['alice@example.test', 'bob@example.test']);
    const grown = await json<Alias>(['alias', 'add', 'team@example.test', 'friend@elsewhere.test']);
    assert.equal(grown.targets.length, 3);
    await ok(['alias', 'add', '@example.test', 'alice@example.test']);
    assert.match(await ok(['alias', 'list']), /@example\.test \(catch-all\)\s+alice@example\.test/);
    await fails(['alias', 'add', 'alice@example.test', 'bob@example.test'], 'ALREADY_EXISTS', /already a user/);
    await fails(['alias', 'add', 'x@example.test', 'not-an-address'], 'INVALID_ADDRESS', /not-an-address/);
    const shrunk = await json<Alias>(['alias', 'remove', 'team@example.test', 'friend@elsewhere.test']);
    assert.equal(shrunk.targets.length, 2);
    await ok(['alias', 'remove', '@example.test']);
    const aliases = await json<Alias[]>(['alias', 'list', 'example.test']);
    assert.deepEqual(
      aliases.map((a) => a.address),
      ['team@example.test'],
    );
    await fails(['alias', 'remove', '@example.test'], 'NOT_FOUND', /no alias/);
  });

  it('sets and gets settings with validation, masking secrets', async () => {
    await ok(['settings', 'set', 'relay.trustedNetworks', '["192.168.1.0/24","127.0.0.1/32"]']);
    const got = await json<SettingView>(['settings', 'get', 'relay.trustedNetworks']);
    assert.deepEqual(got.value, ['192.168.1.0/24', '127.0.0.1/32']);
    assert.equal(got.isDefault, false);
    await ok(['settings', 'set', 'dns.servers', '127.0.0.1:5353']);
    assert.deepEqual((await json<SettingView>(['settings', 'get', 'dns.servers'])).value, ['127.0.0.1:5353']);
    await ok(['settings', 'set', 'relay.smarthost', '{"host":"smtp.isp.test","port":587,"user":"office","password":"isp-Secret-99"}']);
    const listed = await ok(['settings', 'list']);
    assert.match(listed, /relay\.smarthost = .*"password":"\*{8}"/);
    assert.equal(listed.includes('isp-Secret-99'), false);
    assert.equal(JSON.stringify(await json(['settings', 'get', 'relay.smarthost'])).includes('isp-Secret-99'), false);
    assert.equal(daemon.output().includes('isp-Secret-99'), false);
    await fails(
      ['settings', 'set', 'dnsbl.timeoutMs', '5'],
      'BAD_SETTING',
      /^dnsbl\.timeoutMs: expected an integer from 100 to 30000, got 5$/,
    );
    await fails(
      ['settings', 'set', 'relay.trustedNetworks', '["10.0.0.0/99"]'],
      'BAD_SETTING',
      /relay\.trustedNetworks\[0\]: expected a CIDR block/,
    );
    await fails(['settings', 'set', 'limits.bogus', '1'], 'UNKNOWN_SETTING', /limits\.bogus/);
    await ok(['settings', 'unset', 'dns.servers']);
    assert.equal((await json<SettingView>(['settings', 'get', 'dns.servers'])).isDefault, true);
  });

  it('fsck finds a clean store', async () => {
    const report = await json<{ problems: unknown[]; checked: { accounts: number } }>(['fsck']);
    assert.deepEqual(report.problems, []);
    assert.equal(report.checked.accounts, 2);
    assert.match(await ok(['fsck']), /no problems found/);
  });

  it('shows the outbound queue', async () => {
    assert.deepEqual(await json<unknown[]>(['queue', 'list']), []);
    assert.match(await ok(['queue', 'list']), /queue is empty/);
    await fails(['queue', 'show', 'no-such-id'], 'NOT_FOUND', /./);
  });

  it('sets, shows and stops the backup schedule the web UI also shows', async () => {
    assert.match(await ok(['backup', 'schedule']), /no backup schedule/);
    const target = join(scratch, 'usb', 'pochta');
    assert.match(
      await ok(['backup', 'schedule', 'set', target, '--daily', '2:30', '--keep', '5']),
      /scheduled: to .*usb\/pochta, daily at 02:30, keeping the newest 5/,
    );
    const view = await json<{ schedule?: { target: string; dailyAt?: string; keep: number; enabled: boolean } }>(['backup', 'schedule']);
    assert.deepEqual(
      [view.schedule?.target, view.schedule?.dailyAt, view.schedule?.keep, view.schedule?.enabled],
      [target, '02:30', 5, true],
    );
    // the same rules as the web form, the field named
    await fails(['backup', 'schedule', 'set', target, '--every-hours', '0'], 'INVALID_ARGUMENT', /everyHours/);
    await fails(['backup', 'schedule', 'set', target], 'INVALID_ARGUMENT', /either every so many hours or once a day/);
    assert.match(await ok(['backup', 'schedule', 'set', target, '--every-hours', '6', '--paused']), /paused: .* every 6 h/);
    assert.match(await ok(['backup', 'schedule', 'off']), /no backup schedule/);
  });

  it('backs up while running, refuses to restore over a running daemon, restores into a fresh dir', async () => {
    const backupDir = join(scratch, 'backup');
    assert.match(await ok(['backup', backupDir]), /backup written/);
    const refused = await cli(['restore', backupDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /running; stop it first/);

    const occupied = await runPochta(['restore', backupDir, '--data', join(scratch, 'backup')]);
    assert.equal(occupied.code, 1);
    assert.match(occupied.stderr, /not empty; move it aside first/);

    const fresh = join(scratch, 'restored');
    const restored = await runPochta(['restore', backupDir, '--data', fresh]);
    assert.equal(restored.code, 0, restored.stderr);
    const store = await openStore({ dir: fresh });
    try {
      const alice = await store.findAccount('alice@example.test');
      assert.ok(alice);
      assert.equal(await verifyPassword(NEW_PASSWORD, alice.passwordHash), true, 'the changed password came along');
      assert.deepEqual((await store.getAlias('team@example.test'))?.targets.length, 2);
      assert.deepEqual(await store.getSetting('relay.trustedNetworks'), ['192.168.1.0/24', '127.0.0.1/32']);
      assert.deepEqual((await store.fsck()).problems, []);
    } finally {
      await store.close();
    }
    // And the restored data serves a daemon of its own.
    const second = await startDaemon({ dataDir: fresh, only: ['web'] });
    try {
      const users = JSON.parse((await second.cli(['user', 'list', '--json'])).stdout) as AccountView[];
      assert.deepEqual(users.map((u) => u.address).sort(), ['alice@example.test', 'bob@example.test']);
    } finally {
      await second.stop();
    }
  });

  it('restarts a listener on request, which comes back on the same port', async () => {
    const before = await json<StatusView>(['status']);
    assert.match(await ok(['restart', 'web']), /^web: /);
    let web = before.listeners[0];
    for (let i = 0; i < 200; i++) {
      web = (await json<StatusView>(['status'])).listeners.find((l) => l.name === 'web');
      if (web?.state === 'running' && web.startedAt !== before.listeners[0]?.startedAt) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(web?.state, 'running');
    assert.notEqual(web?.startedAt, before.listeners[0]?.startedAt);
    assert.equal((await fetch(`http://127.0.0.1:${daemon.ports.web}/health`)).status, 200);
    await fails(['restart', 'gopher'], 'INVALID_ARGUMENT', /expected one of smtp/);
  });

  it('shows the front panel and presses the simulated button', async () => {
    const state = await json<{ driver: string; leds: Record<string, { pattern: string }>; button: { pressed: boolean } }>([
      'gpio',
      'state',
    ]);
    assert.equal(state.driver, 'sim');
    assert.ok(Object.keys(state.leds).length >= 2);
    assert.equal(state.button.pressed, false);
    assert.match(await ok(['gpio', 'state']), /^driver {2}sim/);
    assert.equal((await json<{ button: { pressed: boolean } }>(['gpio', 'press', 'short'])).button.pressed, false);
    await fails(['gpio', 'press', 'sideways'], 'INVALID_ARGUMENT', /short or long/);
  });

  it('removes users', async () => {
    await ok(['user', 'remove', 'bob@example.test']);
    await fails(['user', 'remove', 'bob@example.test'], 'UNKNOWN_USER', /bob@example\.test/);
  });
});

describe('pochta CLI without a daemon', () => {
  it('status says plainly that the daemon is not running (exit 69)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pochta-cli-off-'));
    try {
      const run = await runPochta(['status', '--data', dir]);
      assert.equal(run.code, 69);
      assert.match(run.stderr, /^pochta: the daemon is not running/);
      const asJson = await runPochta(['status', '--json', '--data', dir]);
      assert.equal((JSON.parse(asJson.stdout) as { error: { code: string } }).error.code, 'DAEMON_NOT_RUNNING');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('works on the data directly, saying so, and fsck runs offline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pochta-cli-off-'));
    try {
      const nothing = await runPochta(['domain', 'add', 'offline.test', '--data', dir]);
      assert.equal(nothing.code, 69);
      assert.match(nothing.stderr, /holds no pochta data \(check --data\)/);
      await (await openStore({ dir })).close();
      const added = await runPochta(['domain', 'add', 'offline.test', '--data', dir]);
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stderr, /daemon is not running; working on .* directly/);
      const user = await runPochta(['user', 'add', 'a@offline.test', '--data', dir], { stdin: PASSWORD });
      assert.equal(user.code, 0, user.stderr);
      const fsck = await runPochta(['fsck', '--data', dir]);
      assert.equal(fsck.code, 0, fsck.stderr);
      assert.match(fsck.stdout, /no problems found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers a bad command line with usage and exit 64', async () => {
    const unknown = await runPochta(['frobnicate']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown command/);
    const extra = await runPochta(['domain', 'add']);
    assert.equal(extra.code, 64);
    assert.match(extra.stderr, /usage: pochta domain add DOMAIN/);
    const flag = await runPochta(['user', 'list', '--password', 'x']);
    assert.equal(flag.code, 64);
    const help = await runPochta(['help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /user passwd ADDRESS/);
  });
});
