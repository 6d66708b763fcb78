// What RETR and TOP share: the message must still be in INBOX (IMAP may have
// expunged it since login), and its body is streamed from the blob file.
import { openMessageBody } from '../message-body.ts';
import { err, ok, type Reply } from '../replies.ts';
import { maildropOf, NO_SUCH_MESSAGE } from './maildrop-of.ts';
import type { CommandContext } from './types.ts';

export async function retrieve(ctx: CommandContext, number: number, bodyLines?: number): Promise<Reply> {
  const maildrop = maildropOf(ctx);
  const message = maildrop.get(number);
  if (message === undefined) return err(NO_SUCH_MESSAGE);
  if ((await ctx.deps.store.getMessage(maildrop.mailboxId, message.uid)) === undefined) {
    return err('Message was deleted by another session');
  }
  const body = await openMessageBody(ctx.deps.store, message, bodyLines);
  return ok(bodyLines === undefined ? `${message.size} octets` : 'Top of message follows', { body });
}
