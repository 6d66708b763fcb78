// tag IDLE  …  DONE
import { bad, ok } from '../responses.ts';
import { parseNoArgs } from '../syntax/commands.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/** Push mailbox updates as they are queued until the client sends DONE (RFC 2177). */
export const idle = defineCommand({
  name: 'IDLE',
  states: AUTHENTICATED,
  args: parseNoArgs,
  async run(ctx) {
    const { updates } = ctx.session;
    let flushing: Promise<void> = Promise.resolve();
    const flush = () => {
      flushing = flushing.then(async () => {
        for (const update of updates.drain(true)) await ctx.send(update);
      });
    };
    const line = ctx.readLine({ type: 'continue', text: 'idling' });
    updates.onPush(flush);
    flush();
    try {
      const done = await line;
      if (done === undefined) return bad('IDLE cancelled');
      return done.toString('latin1').toUpperCase() === 'DONE' ? ok('IDLE terminated') : bad('Expected DONE');
    } finally {
      updates.onPush(undefined);
      await flushing;
    }
  },
});
