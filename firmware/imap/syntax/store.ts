// STORE arguments: `STORE sequence-set [(UNCHANGEDSINCE n)] [+|-]FLAGS[.SILENT] (flags | flag...)`.

import type { FlagOperation } from '../../store/types.ts';
import { ImapSyntaxError } from '../parser.ts';
import type { ArgReader } from './args.ts';
import { readFlagList, readFlags } from './flags.ts';
import type { SequenceSet } from './sequence-set.ts';

export interface StoreArgs {
  readonly set: SequenceSet;
  readonly op: FlagOperation;
  readonly silent: boolean;
  readonly flags: readonly string[];
  readonly unchangedSince?: number;
}

export function parseStoreArgs(args: ArgReader): StoreArgs {
  const set = args.sequenceSet();
  let unchangedSince: number | undefined;
  const modifiers = args.optionalList();
  if (modifiers !== undefined) {
    while (!modifiers.done) {
      const name = modifiers.keyword('store modifier');
      if (name !== 'UNCHANGEDSINCE') throw new ImapSyntaxError('Unknown store modifier');
      unchangedSince = modifiers.number('mod-sequence');
    }
  }
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(args.keyword('store item'));
  if (m === null) throw new ImapSyntaxError('Invalid store item');
  const op: FlagOperation = m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'replace';
  const flags = args.nextIsList() ? readFlagList(args) : readFlags(args);
  args.end();
  // An empty list is only meaningful for replace (clear all flags).
  if (flags.length === 0 && op !== 'replace') throw new ImapSyntaxError('Missing flags');
  const base = { set, op, silent: m[2] !== undefined, flags };
  return unchangedSince === undefined ? base : { ...base, unchangedSince };
}
