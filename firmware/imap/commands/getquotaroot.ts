// tag GETQUOTAROOT mailbox
import { atom } from '../compiler.ts';
import { code, no, ok } from '../responses.ts';
import { parseMailboxArg } from '../syntax/commands.ts';
import { encodeMailboxName } from '../syntax/mailbox-name.ts';
import { QUOTA_ROOT, quotaResponse } from './quota.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const getquotaroot = defineCommand({
  name: 'GETQUOTAROOT',
  states: AUTHENTICATED,
  args: parseMailboxArg,
  async run(ctx, { mailbox }) {
    if ((await ctx.deps.store.getMailbox(ctx.session.account!.id, mailbox)) === undefined) {
      return no('No such mailbox', code('NONEXISTENT'));
    }
    const quota = await quotaResponse(ctx);
    // An account without a limit has no quota root (RFC 9208 4.3.3).
    await ctx.send({ type: 'data', values: [atom('QUOTAROOT'), encodeMailboxName(mailbox), ...(quota === undefined ? [] : [QUOTA_ROOT])] });
    if (quota !== undefined) await ctx.send({ type: 'data', values: quota });
    return ok('GETQUOTAROOT completed');
  },
});
