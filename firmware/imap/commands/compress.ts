// tag COMPRESS DEFLATE

import { bad, code, no, ok } from '../responses.ts';
import type { ArgReader } from '../syntax/args.ts';
import { AUTHENTICATED, defineCommand } from './types.ts';

/**
 * Turn on DEFLATE compression for the rest of the connection (RFC 4978); the
 * connection switches once the OK has gone out uncompressed.
 */
export const compress = defineCommand({
  name: 'COMPRESS',
  states: AUTHENTICATED,
  args: (args: ArgReader) => {
    const mechanism = args.keyword('compression mechanism');
    args.end();
    return { mechanism };
  },
  async run(ctx, { mechanism }) {
    if (mechanism !== 'DEFLATE') return bad('Unknown compression mechanism');
    if (ctx.session.compressed) return no('DEFLATE active already', code('COMPRESSIONACTIVE'));
    ctx.session.compressed = true;
    return { ...ok('DEFLATE active'), after: 'compress' };
  },
});
