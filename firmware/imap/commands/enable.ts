// tag ENABLE capability...
import { atom } from '../compiler.ts';
import { ok } from '../responses.ts';
import { parseEnableArgs } from '../syntax/commands.ts';
import { defineCommand } from './types.ts';

/** Extensions a client may ENABLE, when they are also advertised. */
const ENABLEABLE = new Set(['CONDSTORE', 'QRESYNC']);

export const enable = defineCommand({
  name: 'ENABLE',
  // RFC 5161: only before a mailbox is selected.
  states: ['authenticated'],
  args: parseEnableArgs,
  async run(ctx, { capabilities }) {
    const offered = new Set(ctx.capabilities());
    const turnedOn: string[] = [];
    for (const cap of capabilities) {
      if (!ENABLEABLE.has(cap) || !offered.has(cap) || ctx.session.enabled.has(cap)) continue;
      ctx.session.enabled.add(cap);
      // QRESYNC implies CONDSTORE (RFC 7162 3.2.3).
      if (cap === 'QRESYNC') ctx.session.enabled.add('CONDSTORE');
      turnedOn.push(cap);
    }
    await ctx.send({ type: 'data', values: [atom('ENABLED'), ...turnedOn.map(atom)] });
    return ok('ENABLE completed');
  },
});
