// AUTH [mechanism [initial-response]]
import { passwordAllowed } from '../capabilities.ts';
import { Pop3SyntaxError } from '../parser.ts';
import { err, ok } from '../replies.ts';
import { decodePlain } from '../sasl-plain.ts';
import { signIn } from './sign-in.ts';
import { AUTHORIZATION, defineCommand } from './types.ts';

/** SASL PLAIN only (RFC 5034 with RFC 4616); AUTH without arguments lists it, as Outlook expects. */
export const auth = defineCommand({
  name: 'AUTH',
  states: AUTHORIZATION,
  args: ({ args }) => {
    if (args.length > 2) throw new Pop3SyntaxError('Too many arguments');
    const [mechanism, initial] = args;
    return { mechanism: mechanism?.toUpperCase(), initial };
  },
  async run(ctx, { mechanism, initial }) {
    const allowed = passwordAllowed(ctx.session, ctx.deps);
    if (mechanism === undefined) return ok('Supported mechanisms follow', { lines: allowed ? ['PLAIN'] : [] });
    if (mechanism !== 'PLAIN') return err('Unsupported authentication mechanism');
    if (!allowed) return err('Plaintext authentication requires TLS; use STLS first', 'AUTH');
    let response = initial;
    if (response === undefined) {
      const line = await ctx.readLine('');
      if (line === undefined) return err('Authentication cancelled');
      response = line.toString('latin1').trim();
    }
    if (response === '*') return err('Authentication cancelled');
    const credentials = decodePlain(response);
    // Acting as another user is not supported: authzid must be empty or the same user.
    if (credentials.authzid !== '' && credentials.authzid.toLowerCase() !== credentials.authcid.toLowerCase()) {
      return err('Not authorized to act as another user', 'AUTH');
    }
    return signIn(ctx, credentials.authcid, credentials.password);
  },
});
