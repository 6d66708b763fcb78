// tag GETQUOTA quota-root
import { code, no, ok } from '../responses.ts';
import { parseQuotaRootArg } from '../syntax/commands.ts';
import { QUOTA_ROOT, quotaResponse } from './quota.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

export const getquota = defineCommand({
  name: 'GETQUOTA',
  states: AUTHENTICATED,
  args: parseQuotaRootArg,
  async run(ctx, { root }) {
    const quota = root === QUOTA_ROOT ? await quotaResponse(ctx) : undefined;
    if (quota === undefined) return no('No such quota root', code('NONEXISTENT'));
    await ctx.send({ type: 'data', values: quota });
    return ok('GETQUOTA completed');
  },
});
