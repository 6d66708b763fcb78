// tag IDLE  …  DONE
import { bad, ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/**
 * A line every few minutes while idling, as Dovecot does: NAT boxes and
 * firewalls between office and client forget silent connections long before
 * the client re-issues IDLE (at 29 minutes, RFC 2177).
 */
export const IDLE_KEEPALIVE_MS = 2 * 60 * 1000;

/**
 * Push mailbox updates as they happen until the client sends DONE (RFC 2177).
 * The connection pokes the update queue on every recorded store change; each
 * poke sends what is pending, EXPUNGE included (no command is running).
 */
export const idle = defineCommand({
  name: 'IDLE',
  states: AUTHENTICATED,
  args: parseNoArgs,
  async run(ctx) {
    const { updates } = ctx.session;
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      flushing = flushing.then(() => ctx.flushUpdates(true));
    };
    const line = ctx.readLine({ type: 'continue', text: 'idling' });
    updates.onPush(flush);
    flush();
    let cancelKeepalive = () => {};
    const keepalive = () => {
      cancelKeepalive = ctx.setTimer(IDLE_KEEPALIVE_MS, () => {
        flushing = flushing.then(() => ctx.send({ type: 'status', status: 'OK', text: 'Still here' }));
        keepalive();
      });
    };
    keepalive();
    try {
      const done = await line;
      if (done === undefined) return bad('IDLE cancelled');
      return done.toString('latin1').toUpperCase() === 'DONE' ? ok('IDLE terminated') : bad('Expected DONE');
    } finally {
      cancelKeepalive();
      updates.onPush(undefined);
      await flushing;
    }
  },
});
