// PASS string
import { passwordAllowed } from '../capabilities.ts';
import { Pop3SyntaxError } from '../parser.ts';
import { err } from '../replies.ts';
import { signIn } from './sign-in.ts';
import { AUTHORIZATION, defineCommand } from './types.ts';

export const pass = defineCommand({
  name: 'PASS',
  states: AUTHORIZATION,
  // RFC 1939 7: the rest of the line is the password, spaces and all.
  args: ({ rest }) => {
    if (rest === '') throw new Pop3SyntaxError('Expected a password');
    return rest;
  },
  async run(ctx, password) {
    if (!passwordAllowed(ctx.session, ctx.deps)) return err('Plaintext authentication requires TLS; use STLS first', 'AUTH');
    const name = ctx.session.user;
    if (name === undefined) return err('Send USER first');
    ctx.session.user = undefined;
    return signIn(ctx, name, password);
  },
});
