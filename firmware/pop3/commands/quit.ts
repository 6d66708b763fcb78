// QUIT
import { noArgs } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { ANY_STATE, defineCommand } from './types.ts';

/**
 * In TRANSACTION, QUIT enters UPDATE: every message marked with DELE is
 * expunged in one store call, so either all go or none do. A connection that
 * drops instead never gets here and deletes nothing.
 */
export const quit = defineCommand({
  name: 'QUIT',
  states: ANY_STATE,
  args: ({ args }) => noArgs(args),
  async run(ctx) {
    const { session, deps } = ctx;
    const maildrop = session.maildrop;
    if (session.state !== 'transaction' || maildrop === undefined)
      return ok(`${deps.hostname} Pochta POP3 signing off`, { after: 'close' });
    session.state = 'update';
    const uids = maildrop.deletedUids();
    try {
      if (uids.length > 0) await deps.store.expunge(maildrop.mailboxId, uids);
    } catch (error) {
      deps.log.warn({ conn: session.id, err: error instanceof Error ? error.message : String(error) }, 'pop3 update failed');
      return err('Some deleted messages not removed, try again later', 'SYS/TEMP', { after: 'close' });
    } finally {
      session.unwatch?.();
      session.unwatch = undefined;
      await session.lock?.release();
      session.lock = undefined;
    }
    const left = maildrop.live().length;
    return ok(`${deps.hostname} Pochta POP3 signing off (${left} messages left)`, { after: 'close' });
  },
});
