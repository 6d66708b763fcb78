// USER name
import { passwordAllowed } from '../capabilities.ts';
import { Pop3SyntaxError } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { AUTHORIZATION, defineCommand } from './types.ts';

export const user = defineCommand({
  name: 'USER',
  states: AUTHORIZATION,
  args: ({ rest }) => {
    const name = rest.trim();
    if (name === '') throw new Pop3SyntaxError('Expected a user name');
    return name;
  },
  async run(ctx, name) {
    if (!passwordAllowed(ctx.session, ctx.deps)) return err('Plaintext authentication requires TLS; use STLS first', 'AUTH');
    // Always +OK: whether the account exists is only told after PASS, and not even then.
    ctx.session.user = name;
    return ok('Send PASS');
  },
});
