// tag SETQUOTA quota-root (resource limit ...)
import { code, no } from '../responses.ts';
import { parseSetQuotaArgs } from '../syntax/commands.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/** Quotas are the administrator's (web UI, CLI); a mail client may only read them. */
export const setquota = defineCommand({
  name: 'SETQUOTA',
  states: AUTHENTICATED,
  args: parseSetQuotaArgs,
  async run() {
    return no('Quotas are set by the administrator', code('NOPERM'));
  },
});
