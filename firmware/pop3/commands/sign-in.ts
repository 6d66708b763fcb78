// What PASS and AUTH PLAIN share: the password check, dropping clients that
// keep guessing, the maildrop lock and the snapshot that starts TRANSACTION.

import { isPochtaError } from '../../errors.ts';
import { Maildrop } from '../maildrop.ts';
import { err, ok, type Reply, replyFromError } from '../replies.ts';
import type { CommandContext } from './types.ts';

/** Failed logins after which the connection is closed (a client must reconnect to guess again). */
export const MAX_AUTH_FAILURES = 3;

export async function signIn(ctx: CommandContext, address: string, password: string): Promise<Reply> {
  const { session, deps } = ctx;
  let account: Awaited<ReturnType<typeof deps.authenticate>>;
  try {
    account = await deps.authenticate(address, password, session.remoteAddress);
  } catch (error) {
    // A refused client address gets no more tries on this connection.
    if (isPochtaError(error, 'AUTH_THROTTLED')) {
      deps.log.info({ conn: session.id, remote: session.remoteAddress }, 'pop3 login refused: too many failures');
      return { ...replyFromError(error), after: 'close' };
    }
    throw error;
  }
  if (account === undefined) {
    session.authFailures++;
    deps.log.info({ conn: session.id, user: address.slice(0, 256), failures: session.authFailures }, 'pop3 login failed');
    return err('Authentication failed', 'AUTH', session.authFailures >= MAX_AUTH_FAILURES ? { after: 'close' } : {});
  }
  const lock = await deps.lockMaildrop(account.id, session.id);
  if (lock === undefined) {
    deps.log.info({ conn: session.id, user: account.address }, 'pop3 maildrop in use');
    return err('Maildrop already in use by another POP3 session', 'IN-USE');
  }
  try {
    session.maildrop = await Maildrop.open(deps.store, account.id);
  } catch (error) {
    await lock.release();
    throw error;
  }
  session.unwatch = session.maildrop.watch(deps.store);
  session.lock = lock;
  session.account = { id: account.id, address: account.address };
  session.state = 'transaction';
  const { count, size } = session.maildrop.totals();
  deps.log.info({ conn: session.id, user: account.address, messages: count }, 'pop3 login');
  return ok(`Logged in, ${count} messages (${size} octets)`);
}
