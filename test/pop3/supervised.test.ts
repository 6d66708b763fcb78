// The POP3 listeners as the daemon runs them: pop3 and pop3s in two worker
// threads under the supervisor, reaching the store through the MailStore
// proxy. The maildrop lock must hold across the threads, RETR reads blobs by
// path from the worker, and QUIT's expunge lands in the main thread's store.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../firmware/log.ts';
import { createSupervisor, greetingProbe, type Supervisor } from '../../firmware/supervisor/index.ts';
import { type Fixture, message, PASSWORD, startFixture, USER } from './support/fixture.ts';

const SERVICE = new URL('../../firmware/pop3/service.ts', import.meta.url);

describe('POP3 listeners under the supervisor', () => {
  let fx: Fixture;
  let supervisor: Supervisor;

  before(async () => {
    fx = await startFixture();
    const address = { host: '127.0.0.1', port: 0 };
    supervisor = createSupervisor({
      store: fx.store,
      log: createLogger({ level: 'silent' }),
      logLevel: 'silent',
      hostname: 'mail.example.com',
      dataDir: fx.dir,
      blobDir: path.join(fx.dir, 'data', 'blobs'),
      tls: fx.tls,
      dev: false,
      listeners: [
        { name: 'pop3', module: SERVICE, address, probe: greetingProbe(/^\+OK /) },
        { name: 'pop3s', module: SERVICE, address },
      ],
      probe: { intervalMs: 2000, timeoutMs: 2000, failures: 2 },
      startTimeoutMs: 15_000,
    });
    await supervisor.start();
    await fx.deliver(message('worker one', '.dot\r\nline\r\n'));
    await fx.deliver(message('worker two'));
  });

  after(async () => {
    await supervisor.stop(Date.now() + 3000);
    await fx.close();
  });

  const portOf = (name: 'pop3' | 'pop3s') => {
    const s = supervisor.status().find((x) => x.name === name);
    assert.equal(s?.state, 'running');
    const port = s?.address?.port;
    assert.ok(port);
    return port;
  };

  it('locks the maildrop across the pop3 and pop3s threads, and QUIT expunges in the main store', async () => {
    const secure = await fx.connectTls(portOf('pop3s'));
    assert.match(await secure.line(), /^\+OK/);
    assert.match(await secure.command(`USER ${USER}`), /^\+OK/);
    assert.match(await secure.command(`PASS ${PASSWORD}`), /^\+OK Logged in, 2 messages/);
    assert.match(await secure.command('RETR 1'), /^\+OK/);
    assert.equal((await secure.body()).toString(), message('worker one', '.dot\r\nline\r\n'), 'blob read by path in the worker');

    const plain = await fx.connect(portOf('pop3'));
    assert.match(await plain.line(), /^\+OK/);
    assert.equal(await plain.command('STLS'), '+OK Begin TLS negotiation');
    const upgraded = await plain.startTls();
    const auth = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
    assert.match(await upgraded.command(`AUTH PLAIN ${auth}`), /^-ERR \[IN-USE\]/, 'the other thread holds the lock');

    assert.match(await secure.command('DELE 1'), /^\+OK/);
    assert.match(await secure.command('QUIT'), /^\+OK/);
    await secure.waitClosed();
    await fx.unlocked();
    const left = await fx.store.listMessages(fx.inboxId);
    assert.equal(left.length, 1);

    assert.match(await upgraded.command(`AUTH PLAIN ${auth}`), /^\+OK Logged in, 1 messages/);
    assert.match(await upgraded.command('QUIT'), /^\+OK/);
  });
});
