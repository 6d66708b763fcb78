// What RETR and TOP share: the message must still be in INBOX (IMAP may have
// expunged it since login, which the change feed tells the maildrop), and its
// body is streamed from the blob file.
import { openMessageBody } from '../message-body.ts';
import { err, ok, type Reply } from '../replies.ts';
import { maildropOf, NO_SUCH_MESSAGE } from './maildrop-of.ts';
import type { CommandContext } from './types.ts';

const GONE = 'Message was deleted by another session';

export async function retrieve(ctx: CommandContext, number: number, bodyLines?: number): Promise<Reply> {
  const maildrop = maildropOf(ctx);
  const message = maildrop.get(number);
  if (message === undefined) return err(NO_SUCH_MESSAGE);
  if (message.gone) return err(GONE);
  let body: Awaited<ReturnType<typeof openMessageBody>>;
  try {
    body = await openMessageBody(ctx.deps.store, message, bodyLines);
  } catch (error) {
    // Expunged an instant ago and its blob already collected: the change feed has not told us yet.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return err(GONE);
    throw error;
  }
  return ok(bodyLines === undefined ? `${message.size} octets` : 'Top of message follows', { body });
}
