// tag AUTHENTICATE mechanism [initial-response]
import { bad, code, no } from '../responses.ts';
import { parseAuthenticateArgs } from '../syntax/commands.ts';
import { signIn, signInRefused } from './sign-in.ts';
import { defineCommand } from './types.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** SASL PLAIN (RFC 4616) only, with SASL-IR (RFC 4959). */
export const authenticate = defineCommand({
  name: 'AUTHENTICATE',
  states: ['not-authenticated'],
  args: parseAuthenticateArgs,
  async run(ctx, { mechanism, initial }) {
    if (mechanism !== 'PLAIN') return no('Unsupported authentication mechanism', code('CANNOT'));
    const refused = signInRefused(ctx);
    if (refused !== undefined) return refused;
    let response = initial;
    if (response === undefined) {
      const line = await ctx.readLine({ type: 'continue', text: '' });
      if (line === undefined) return bad('Authentication cancelled');
      response = line.toString('latin1');
    }
    if (response === '*') return bad('Authentication cancelled');
    if (response === '=') response = '';
    if (!BASE64.test(response)) return bad('Invalid base64');
    const parts = Buffer.from(response, 'base64').toString('utf8').split('\0');
    if (parts.length !== 3) return bad('Invalid PLAIN response');
    const [authzid, authcid, password] = parts as [string, string, string];
    // Acting as another user is not supported: authzid must be empty or the same user.
    if (authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase()) return no('Not authorized', code('AUTHORIZATIONFAILED'));
    return signIn(ctx, authcid, password);
  },
});
