// What RETR and TOP share: the message must still be in INBOX (IMAP may have
// expunged it since login, which the change feed tells the maildrop), and its
// body is streamed from the blob file (small ones read ahead, see read-ahead.ts).
import { openMessageBody } from '../message-body.ts';
import { err, ok, type Reply, type StreamedBody } from '../replies.ts';
import { maildropOf, NO_SUCH_MESSAGE } from './maildrop-of.ts';
import type { CommandContext } from './types.ts';

const GONE = 'Message was deleted by another session';

export async function retrieve(ctx: CommandContext, number: number, bodyLines?: number): Promise<Reply> {
  const maildrop = maildropOf(ctx);
  const message = maildrop.get(number);
  if (message === undefined) return err(NO_SUCH_MESSAGE);
  if (message.gone) return err(GONE);
  const { store } = ctx.deps;
  const readAhead = ctx.session.readAhead;
  let body: StreamedBody | undefined;
  try {
    if (bodyLines === undefined) body = await readAhead.take(message);
    body ??= await openMessageBody(store, message, bodyLines);
  } catch (error) {
    // Expunged an instant ago and its blob already collected: the change feed has not told us yet.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return err(GONE);
    throw error;
  }
  // Clients fetch in order: read the next ones while this one goes out.
  if (bodyLines === undefined) readAhead.fill(store, maildrop, number);
  return ok(bodyLines === undefined ? `${message.size} octets` : 'Top of message follows', { body });
}
