// The session's maildrop, for verbs that only run in TRANSACTION.
import { PochtaError } from '../../errors.ts';
import type { Maildrop } from '../maildrop.ts';
import type { CommandContext } from './types.ts';

export function maildropOf(ctx: CommandContext): Maildrop {
  const maildrop = ctx.session.maildrop;
  // The state check runs before any verb, so this is a bug in the connection if it happens.
  if (maildrop === undefined) throw new PochtaError('INTERNAL', 'TRANSACTION without a maildrop');
  return maildrop;
}

/** RFC 1939: a missing message and one marked deleted get the same -ERR. */
export const NO_SUCH_MESSAGE = 'No such message';
