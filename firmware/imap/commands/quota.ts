// What GETQUOTA and GETQUOTAROOT share (RFC 9208): one quota root, "", per
// account, with the STORAGE resource in units of 1024 octets.

import type { ImapValue } from '../compiler.ts';
import { atom } from '../compiler.ts';
import type { CommandContext } from './types.ts';

export const QUOTA_ROOT = '';

/** `QUOTA "" (STORAGE used limit)`, or undefined when the account has no limit. */
export async function quotaResponse(ctx: CommandContext): Promise<ImapValue[] | undefined> {
  const account = await ctx.deps.store.getAccount(ctx.session.account!.id);
  if (account === undefined || account.quotaBytes === 0) return undefined;
  return [atom('QUOTA'), QUOTA_ROOT, [atom('STORAGE'), Math.ceil(account.usedBytes / 1024), Math.floor(account.quotaBytes / 1024)]];
}
