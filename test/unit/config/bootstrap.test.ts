import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ConfigSources, DEV_PORTS, loadConfig, SOCKET_LISTENERS, STANDARD_PORTS } from '../../../firmware/config/bootstrap.ts';
import { isPochtaError } from '../../../firmware/errors.ts';

const MAIN = fileURLToPath(new URL('../../../firmware/main.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'pochta-config-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function load(flags: ConfigSources['flags'] = {}, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return loadConfig({
    flags,
    env,
    cwd: '/work/here',
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    },
  });
}

/** The one-line message of a BAD_CONFIG failure. */
function badConfig(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isPochtaError(err, 'BAD_CONFIG'), `expected BAD_CONFIG, got ${String(err)}`);
    assert.ok(!err.detail.includes('\n'), 'one line');
    return err.detail;
  }
  assert.fail('expected a config error');
}

describe('bootstrap config', () => {
  it('has appliance defaults: standard ports on all interfaces, data in /var/lib/pochta', () => {
    const config = load();
    assert.equal(config.dev, false);
    assert.equal(config.dataDir, '/var/lib/pochta');
    assert.equal(config.hostname, 'pochta.local');
    for (const name of SOCKET_LISTENERS) assert.deepEqual(config.listeners[name], { host: '0.0.0.0', port: STANDARD_PORTS[name] });
    assert.deepEqual(config.tls, { certPath: '/var/lib/pochta/tls/cert.pem', keyPath: '/var/lib/pochta/tls/key.pem' });
    assert.equal(config.adminSocket, '/var/lib/pochta/admin.sock');
    assert.deepEqual(config.log, { level: 'info', pretty: false });
    assert.equal(config.gpio.driver, 'auto');
  });

  it('has dev defaults: the documented ports on 127.0.0.1, ./data, pretty logs, simulated GPIO', () => {
    const config = load({ dev: true });
    assert.equal(config.dataDir, '/work/here/data');
    assert.deepEqual(Object.fromEntries(SOCKET_LISTENERS.map((n) => [n, config.listeners[n].port])), {
      smtp: 2525,
      submission: 2587,
      smtps: 2465,
      imap: 2143,
      imaps: 2993,
      pop3: 2110,
      pop3s: 2995,
      web: 8080,
    });
    assert.deepEqual(DEV_PORTS.web, 8080);
    for (const name of SOCKET_LISTENERS) assert.equal(config.listeners[name].host, '127.0.0.1');
    assert.equal(config.log.pretty, true);
    assert.equal(config.gpio.driver, 'sim');
  });

  it('layers file < environment < flags, and freezes the result', () => {
    const files = {
      '/etc/pochta.json': JSON.stringify({
        dataDir: 'mail',
        hostname: 'mx.file.test',
        listeners: { smtp: '10.0.0.1:25', imap: { host: '::1', port: 1143 } },
        log: { level: 'warn' },
        tls: { certPath: '/certs/c.pem' },
      }),
    };
    const config = load(
      { config: '/etc/pochta.json', listen: ['smtp=127.0.0.1:2626', 'pop3=[::1]:1110'] },
      { POCHTA_HOSTNAME: 'mx.env.test' },
      files,
    );
    assert.equal(config.dataDir, '/etc/mail', 'relative to the file');
    assert.equal(config.hostname, 'mx.env.test');
    assert.deepEqual(config.listeners.smtp, { host: '127.0.0.1', port: 2626 });
    assert.deepEqual(config.listeners.imap, { host: '::1', port: 1143 });
    assert.deepEqual(config.listeners.pop3, { host: '::1', port: 1110 });
    assert.equal(config.log.level, 'warn');
    assert.equal(config.tls.certPath, '/certs/c.pem');
    assert.equal(config.tls.keyPath, '/etc/mail/tls/key.pem');
    assert.equal(config.configFile, '/etc/pochta.json');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.listeners) && Object.isFrozen(config.listeners.smtp));
  });

  it('reads every environment variable', () => {
    const config = load(
      {},
      {
        POCHTA_DEV: 'yes',
        POCHTA_DATA: '/srv/pochta',
        POCHTA_LISTEN: 'web=127.0.0.1:9090, imap=127.0.0.1:9143',
        POCHTA_TLS_CERT: 'c.pem',
        POCHTA_TLS_KEY: '/k.pem',
        POCHTA_ADMIN_SOCKET: '/run/pochta.sock',
        POCHTA_LOG_LEVEL: 'trace',
        POCHTA_LOG_PRETTY: '0',
        POCHTA_GPIO_DRIVER: 'kernel',
      },
    );
    assert.equal(config.dev, true);
    assert.equal(config.dataDir, '/srv/pochta');
    assert.equal(config.listeners.web.port, 9090);
    assert.equal(config.listeners.imap.port, 9143);
    assert.equal(config.listeners.smtp.port, 2525);
    assert.deepEqual(config.tls, { certPath: '/work/here/c.pem', keyPath: '/k.pem' });
    assert.equal(config.adminSocket, '/run/pochta.sock');
    assert.deepEqual(config.log, { level: 'trace', pretty: false });
    assert.equal(config.gpio.driver, 'kernel');
  });

  it('switches listeners off from flags, environment or file, and a later source can switch one on again', () => {
    const files = { '/c.json': JSON.stringify({ listeners: { pop3: false, pop3s: 'off', imap: 'off' } }) };
    const config = load(
      { config: '/c.json', listen: ['queue=off', 'imap=127.0.0.1:1143', 'smtp=off'] },
      { POCHTA_LISTEN: 'web=off' },
      files,
    );
    assert.deepEqual([...config.off].sort(), ['pop3', 'pop3s', 'queue', 'smtp', 'web']);
    assert.deepEqual(config.listeners.imap, { host: '127.0.0.1', port: 1143 });
    // An address shared with a listener that is off is no conflict.
    assert.deepEqual(load({ listen: ['smtp=off', 'imap=0.0.0.0:25'] }).off, ['smtp']);
    assert.match(
      badConfig(() => load({ listen: ['queue=127.0.0.1:9'] })),
      /^--listen queue: expected off/,
    );
    assert.match(
      badConfig(() => load({ config: '/q.json' }, {}, { '/q.json': '{"listeners":{"queue":"127.0.0.1:9"}}' })),
      /^\/q.json: listeners.queue: expected false or "off"/,
    );
  });

  it('allows port 0 on several listeners (the OS picks)', () => {
    const config = load({ listen: ['smtp=127.0.0.1:0', 'imap=127.0.0.1:0'] });
    assert.equal(config.listeners.smtp.port, 0);
  });

  it('names the key and the problem for every bad value', () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => load({ listen: ['smtpx=127.0.0.1:25'] }),
        /^--listen: expected NAME=HOST:PORT or NAME=off with NAME one of smtp, .*"smtpx=127.0.0.1:25"/,
      ],
      [() => load({ listen: ['smtp=127.0.0.1:99999'] }), /^--listen smtp: expected HOST:PORT .*port 0-65535.*99999/],
      [() => load({ listen: ['smtp=::1:25'] }), /^--listen smtp: expected HOST:PORT or \[IPv6\]:PORT/],
      [
        () => load({ listen: ['imap=127.0.0.1:2525'] }, { POCHTA_DEV: '1' }),
        /^listeners.imap: 127.0.0.1:2525 is also the address of listener smtp/,
      ],
      [() => load({ hostname: 'bad_host!' }), /^--hostname: expected a host name/],
      [() => load({ logLevel: 'loud' }), /^--log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"/],
      [() => load({}, { POCHTA_DEV: 'maybe' }), /^POCHTA_DEV: expected 1\/true/],
      [() => load({}, { POCHTA_LISTEN: 'web' }), /^POCHTA_LISTEN: expected NAME=HOST:PORT/],
      [() => load({}, { POCHTA_GPIO_DRIVER: 'usb' }), /^POCHTA_GPIO_DRIVER: expected one of auto, kernel, sysfs, sim/],
      [() => load({}, { POCHTA_LOG_PRETTY: 'perhaps' }), /^POCHTA_LOG_PRETTY: /],
      [() => load({}, { POCHTA_HOSTNAME: '-x-' }), /^POCHTA_HOSTNAME: /],
      [() => load({ config: '/missing.json' }), /^--config: cannot read \/missing.json \(ENOENT\)/],
      [() => load({}, { POCHTA_CONFIG: '/missing.json' }), /^POCHTA_CONFIG: cannot read/],
      [() => load({ data: `/${'d'.repeat(120)}` }), /^adminSocket: .* too long for a unix socket/],
    ];
    for (const [fn, pattern] of cases) assert.match(badConfig(fn), pattern);
  });

  it('names the key inside a config file', () => {
    const file = (json: unknown) => () => load({ config: '/c.json' }, {}, { '/c.json': JSON.stringify(json) });
    const cases: [unknown, RegExp][] = [
      [{ dataDri: '/x' }, /^\/c.json: unknown key "dataDri" \(known: dev, dataDir/],
      [[], /^\/c.json: expected an object, got an array/],
      [{ dev: 'yes' }, /^\/c.json: dev: expected true or false, got "yes"/],
      [{ dataDir: '' }, /^\/c.json: dataDir: expected a non-empty string/],
      [{ hostname: 'a..b' }, /^\/c.json: hostname: expected a host name/],
      [{ listeners: { ftp: '1.2.3.4:21' } }, /^\/c.json: listeners: unknown key "ftp"/],
      [{ listeners: { smtp: 'nowhere' } }, /^\/c.json: listeners.smtp: expected HOST:PORT/],
      [
        { listeners: { smtp: { host: '127.0.0.1', port: 70000 } } },
        /^\/c.json: listeners.smtp.port: expected an integer 0-65535, got 70000/,
      ],
      [{ listeners: { smtp: { host: 'bad host', port: 25 } } }, /^\/c.json: listeners.smtp.host: expected an IP address or host name/],
      [{ listeners: { smtp: { host: '127.0.0.1', port: 25, tls: true } } }, /^\/c.json: listeners.smtp: unknown key "tls"/],
      [{ tls: { cert: 'x' } }, /^\/c.json: tls: unknown key "cert"/],
      [{ tls: { certPath: 5 } }, /^\/c.json: tls.certPath: expected a non-empty string, got 5/],
      [{ tls: { keyPath: null } }, /^\/c.json: tls.keyPath: expected a non-empty string, got null/],
      [{ log: { level: 'verbose' } }, /^\/c.json: log.level: expected one of/],
      [{ log: { pretty: 1 } }, /^\/c.json: log.pretty: expected true or false/],
      [{ gpio: { driver: 'x' } }, /^\/c.json: gpio.driver: expected one of auto, kernel, sysfs, sim/],
      [{ adminSocket: 3 }, /^\/c.json: adminSocket: expected a non-empty string/],
    ];
    for (const [json, pattern] of cases) assert.match(badConfig(file(json)), pattern);
    assert.match(
      badConfig(() => load({ config: '/c.json' }, {}, { '/c.json': '{"dev": tru' })),
      /^\/c.json: not valid JSON/,
    );
  });

  it('stops `pochta serve` with one line and exit code 78', () => {
    const config = join(tmp, 'bad.json');
    writeFileSync(config, JSON.stringify({ listeners: { imap: '127.0.0.1:notaport' } }));
    const cases: [string[], RegExp][] = [
      [['serve', '--config', config], /^pochta: bad config: .*bad.json: listeners.imap: expected HOST:PORT/],
      [['serve', '--listen', 'web=localhost'], /^pochta: bad config: --listen web: expected HOST:PORT/],
      [['serve', '--data', join(config, 'sub')], /^pochta: bad config: dataDir: cannot create .*bad.json\/sub \(ENOTDIR\)$/],
    ];
    for (const [args, pattern] of cases) {
      const run = spawnSync(process.execPath, [MAIN, ...args], {
        encoding: 'utf8',
        env: { ...process.env, POCHTA_DATA: join(tmp, 'd') },
        timeout: 20_000,
      });
      assert.equal(run.status, 78, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, pattern);
    }
  });
});
