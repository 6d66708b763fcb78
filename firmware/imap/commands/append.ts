// tag APPEND mailbox [(flag-list)] [date-time] literal
import { toCrlf } from '../../mime/line-ends.ts';
import { code, no, ok } from '../responses.ts';
import { parseAppendArgs } from '../syntax/commands.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/**
 * Store one message. The store's promise resolves only once the body is on
 * disk, so OK means durable. The new message reaches a session that has the
 * mailbox selected through the store's change feed, like any delivery.
 * Line ends are stored as CRLF, as SMTP stores them, so RFC822.SIZE is the
 * size FETCH and POP3 send; a literal8 (BINARY, RFC 3516) is kept byte for
 * byte, since a binary part may hold any bytes.
 */
export const append = defineCommand({
  name: 'APPEND',
  states: AUTHENTICATED,
  args: parseAppendArgs,
  async run(ctx, { mailbox, flags, internalDate, message: received, binary }) {
    const message = binary ? received : toCrlf(received);
    const box = await ctx.deps.store.getMailbox(ctx.session.account!.id, mailbox);
    // TRYCREATE tells the client it may CREATE the mailbox and try again (RFC 3501 6.3.11).
    if (box === undefined) return no('Mailbox does not exist', code('TRYCREATE'));
    if (message.length === 0) return no('Empty message', code('CANNOT'));
    if (message.length > ctx.deps.maxMessageBytes) return no('Message too big', code('TOOBIG'));
    const meta = await ctx.deps.store.appendMessage(box.id, message, {
      flags,
      ...(internalDate === undefined ? {} : { internalDate }),
    });
    return ok('APPEND completed', code('APPENDUID', box.uidValidity, meta.uid));
  },
});
