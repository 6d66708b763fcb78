// teeLog: the daemon adds the web UI's log ring to the logger `serve` made.
// Lines reach the tee as redacted JSON, from children made before or after,
// and stop reaching it once the tee is removed.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogRing, logRingStream } from '../../firmware/admin/log-ring.ts';
import { createLogger, teeLog } from '../../firmware/log.ts';

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text += chunk.toString();
        callback();
      },
    }),
    text: () => text,
  };
}

describe('teeLog', () => {
  it('sends every later line, redacted, to the ring until stopped', () => {
    const out = collector();
    const log = createLogger({ level: 'info', destination: out.stream });
    const early = log.child({ listener: 'smtp' });
    log.info('before the tee');
    const ring = createLogRing();
    const stop = teeLog(log, logRingStream(ring));
    early.child({ conn: 'c1' }).info({ password: 'Hunter-2-Secret', user: 'a@b.test' }, 'authentication failed');
    log.child({ room: 'admin' }).debug('below the level');
    stop();
    log.info('after the tee');
    const lines = ring.tail().lines;
    assert.deepEqual(
      lines.map((l) => [l.msg, l.listener, l.conn]),
      [['authentication failed', 'smtp', 'c1']],
    );
    assert.equal(lines[0]?.fields['password'], '[redacted]');
    assert.ok(!JSON.stringify(lines).includes('Hunter-2-Secret'));
    // The main destination got everything at its level, the tee or not.
    assert.deepEqual(
      out
        .text()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['before the tee', 'authentication failed', 'after the tee'],
    );
  });

  it('refuses a logger createLogger did not make', () => {
    const notPino = { child: () => notPino, info() {}, warn() {}, error() {}, debug() {} };
    assert.throws(() => teeLog(notPino as never, new Writable()), /createLogger/);
  });
});
