// tag LOGIN userid password
import { parseLoginArgs } from '../syntax/commands.ts';
import { signIn, signInRefused } from './sign-in.ts';
import { defineCommand } from './types.ts';

export const login = defineCommand({
  name: 'LOGIN',
  states: ['not-authenticated'],
  args: parseLoginArgs,
  async run(ctx, { user, password }) {
    return signInRefused(ctx) ?? signIn(ctx, user, password);
  },
});
