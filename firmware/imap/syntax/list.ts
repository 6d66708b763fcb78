// LIST (with LIST-EXTENDED selection and return options, LIST-STATUS), LSUB
// and STATUS arguments.

import { ImapSyntaxError, type Token } from '../parser.ts';
import type { ArgReader } from './args.ts';
import { decodeMailboxName, normalizeMailboxName } from './mailbox-name.ts';

export const STATUS_ITEMS = [
  'MESSAGES',
  'RECENT',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'HIGHESTMODSEQ',
  'SIZE',
  'DELETED',
  'APPENDLIMIT',
] as const;
export type StatusItem = (typeof STATUS_ITEMS)[number];

export interface ListArgs {
  /** Selection options (RFC 5258), upper-cased: SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE. */
  readonly selection: readonly string[];
  readonly reference: string;
  /** Decoded patterns with `%` and `*` wildcards. */
  readonly patterns: readonly string[];
  readonly returnSubscribed: boolean;
  readonly returnChildren: boolean;
  readonly returnSpecialUse: boolean;
  /** LIST-STATUS items, when asked for. */
  readonly returnStatus?: readonly StatusItem[];
  /** The client used any LIST-EXTENDED syntax (affects which attributes are sent). */
  readonly extended: boolean;
}

export interface LsubArgs {
  readonly reference: string;
  readonly pattern: string;
}

export interface StatusArgs {
  readonly mailbox: string;
  readonly items: readonly StatusItem[];
}

const SELECTION = new Set(['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE']);

/** list-mailbox: atom chars plus `%`, `*`, `]`, or a string; decoded from modified UTF-7. */
function listMailbox(t: Token): string {
  let raw: string;
  if (t.type === 'quoted' || t.type === 'literal') raw = t.bytes.toString('utf8');
  else if (t.type === 'atom' && t.section === undefined) raw = t.value;
  else if (t.type === 'number') raw = t.raw;
  else if (t.type === 'nil') raw = 'NIL';
  else throw new ImapSyntaxError('Invalid mailbox pattern');
  return normalizeMailboxName(decodeMailboxName(raw));
}

/** `LIST [(selection)] reference (pattern | (patterns)) [RETURN (options)]` */
export function parseListArgs(args: ArgReader): ListArgs {
  let extended = false;
  const selection: string[] = [];
  const sel = args.optionalList();
  if (sel !== undefined) {
    extended = true;
    while (!sel.done) {
      const opt = sel.keyword('selection option');
      if (!SELECTION.has(opt)) throw new ImapSyntaxError('Unknown LIST selection option');
      selection.push(opt);
    }
    if (selection.length === 1 && selection[0] === 'RECURSIVEMATCH') throw new ImapSyntaxError('RECURSIVEMATCH needs another option');
  }
  const refToken = args.next('reference');
  const reference = refToken.type === 'quoted' && refToken.bytes.length === 0 ? '' : listMailbox(refToken);
  const patterns: string[] = [];
  const patList = args.optionalList();
  if (patList !== undefined) {
    extended = true;
    while (!patList.done) patterns.push(listMailbox(patList.next('mailbox pattern')));
    if (patterns.length === 0) throw new ImapSyntaxError('Empty pattern list');
  } else {
    const t = args.next('mailbox pattern');
    patterns.push(t.type === 'quoted' && t.bytes.length === 0 ? '' : listMailbox(t));
  }
  let returnSubscribed = false;
  let returnChildren = false;
  let returnSpecialUse = false;
  let returnStatus: StatusItem[] | undefined;
  if (args.acceptKeyword('RETURN')) {
    extended = true;
    const opts = args.list('return options');
    while (!opts.done) {
      const opt = opts.keyword('return option');
      if (opt === 'SUBSCRIBED') returnSubscribed = true;
      else if (opt === 'CHILDREN') returnChildren = true;
      else if (opt === 'SPECIAL-USE') returnSpecialUse = true;
      else if (opt === 'STATUS') returnStatus = statusItems(opts);
      else throw new ImapSyntaxError('Unknown LIST return option');
    }
  }
  args.end();
  return {
    selection,
    reference,
    patterns,
    returnSubscribed,
    returnChildren,
    returnSpecialUse,
    ...(returnStatus === undefined ? {} : { returnStatus }),
    extended,
  };
}

/** `LSUB reference pattern` */
export function parseLsubArgs(args: ArgReader): LsubArgs {
  const ref = args.next('reference');
  const reference = ref.type === 'quoted' && ref.bytes.length === 0 ? '' : listMailbox(ref);
  const pat = args.next('mailbox pattern');
  const pattern = pat.type === 'quoted' && pat.bytes.length === 0 ? '' : listMailbox(pat);
  args.end();
  return { reference, pattern };
}

function statusItems(args: ArgReader): StatusItem[] {
  const list = args.list('status items');
  const items: StatusItem[] = [];
  while (!list.done) {
    const item = list.keyword('status item');
    if (!(STATUS_ITEMS as readonly string[]).includes(item)) throw new ImapSyntaxError('Unknown status item');
    if (!items.includes(item as StatusItem)) items.push(item as StatusItem);
  }
  if (items.length === 0) throw new ImapSyntaxError('Empty status item list');
  return items;
}

/** `STATUS mailbox (items)` */
export function parseStatusArgs(args: ArgReader): StatusArgs {
  const mailbox = args.mailbox();
  const items = statusItems(args);
  args.end();
  return { mailbox, items };
}
