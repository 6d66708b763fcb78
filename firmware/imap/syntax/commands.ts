// Argument grammars of the commands whose arguments are a few plain values
// (the larger grammars live in fetch.ts, search.ts, list.ts and store.ts).
// Each takes the reader positioned after the command name and must consume it all.

import type { SpecialUse } from '../../store/types.ts';
import { ImapSyntaxError } from '../parser.ts';
import type { ArgReader } from './args.ts';
import { parseDateTime } from './dates.ts';
import { readFlagList } from './flags.ts';
import type { SequenceSet } from './sequence-set.ts';

/** CAPABILITY, NOOP, LOGOUT, STARTTLS, CHECK, CLOSE, EXPUNGE, UNSELECT, IDLE, NAMESPACE */
export function parseNoArgs(args: ArgReader): Record<string, never> {
  args.end();
  return {};
}

/** `LOGIN userid password` */
export function parseLoginArgs(args: ArgReader): { readonly user: string; readonly password: string } {
  const user = args.astring('user name');
  const password = args.astring('password');
  args.end();
  return { user, password };
}

/** `AUTHENTICATE mechanism [initial-response]` (SASL-IR: `=` is an empty response). */
export function parseAuthenticateArgs(args: ArgReader): { readonly mechanism: string; readonly initial?: string } {
  const mechanism = args.keyword('mechanism');
  if (args.done) return { mechanism };
  const initial = args.atom('initial response');
  args.end();
  if (initial !== '=' && !/^[A-Za-z0-9+/]*={0,2}$/.test(initial)) throw new ImapSyntaxError('Invalid initial response');
  return { mechanism, initial };
}

/** What a client knows of a mailbox when it selects with QRESYNC (RFC 7162 3.2.5). */
export interface QresyncParams {
  readonly uidValidity: number;
  readonly modseq: number;
  /** UIDs the client holds; absent means all it may have seen. */
  readonly knownUids?: SequenceSet;
}

export interface SelectArgs {
  readonly mailbox: string;
  readonly condstore: boolean;
  readonly qresync?: QresyncParams;
}

/** `SELECT mailbox [(CONDSTORE | QRESYNC (uidvalidity modseq [known-uids [seq-match-data]]))]`, same for EXAMINE. */
export function parseSelectArgs(args: ArgReader): SelectArgs {
  const mailbox = args.mailbox();
  let condstore = false;
  let qresync: QresyncParams | undefined;
  const params = args.optionalList();
  if (params !== undefined) {
    while (!params.done) {
      const p = params.keyword('select parameter');
      if (p === 'CONDSTORE') condstore = true;
      else if (p === 'QRESYNC' && params.nextIsList()) qresync = parseQresync(params.list('QRESYNC select parameter'));
      else throw new ImapSyntaxError('Unknown select parameter');
    }
  }
  args.end();
  return qresync === undefined ? { mailbox, condstore } : { mailbox, condstore, qresync };
}

function parseQresync(list: ArgReader): QresyncParams {
  const uidValidity = list.nzNumber('uidvalidity');
  const modseq = list.nzNumber('mod-sequence', Number.MAX_SAFE_INTEGER);
  let knownUids: SequenceSet | undefined;
  if (!list.done && !list.nextIsList()) knownUids = list.sequenceSet('known UIDs');
  // seq-match-data only saves a server work it does not do here; it is checked and ignored.
  const match = list.optionalList();
  if (match !== undefined) {
    match.sequenceSet('known sequence set');
    match.sequenceSet('known UID set');
    match.end();
  }
  list.end();
  return knownUids === undefined ? { uidValidity, modseq } : { uidValidity, modseq, knownUids };
}

/** DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT: `mailbox` */
export function parseMailboxArg(args: ArgReader): { readonly mailbox: string } {
  const mailbox = args.mailbox();
  args.end();
  return { mailbox };
}

const SPECIAL_USES = new Map(
  (['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive', '\\All', '\\Flagged'] as const).map((u) => [u.toUpperCase(), u]),
);

/** `CREATE mailbox [(USE (\Sent))]` (RFC 6154 CREATE-SPECIAL-USE). */
export function parseCreateArgs(args: ArgReader): { readonly mailbox: string; readonly specialUse?: SpecialUse } {
  const mailbox = args.mailbox();
  let specialUse: SpecialUse | undefined;
  const params = args.optionalList();
  if (params !== undefined) {
    while (!params.done) {
      if (params.keyword('create parameter') !== 'USE') throw new ImapSyntaxError('Unknown create parameter');
      const uses = params.list('special-use list');
      while (!uses.done) {
        const use = SPECIAL_USES.get(uses.atom('special-use').toUpperCase());
        // RFC 6154: an unsupported use is NO [USEATTR]; one use per mailbox is all the store keeps.
        if (use === undefined || specialUse !== undefined) throw new ImapSyntaxError('Unsupported special-use');
        specialUse = use;
      }
    }
  }
  args.end();
  return specialUse === undefined ? { mailbox } : { mailbox, specialUse };
}

/** `RENAME existing new` */
export function parseRenameArgs(args: ArgReader): { readonly from: string; readonly to: string } {
  const from = args.mailbox('existing mailbox name');
  const to = args.mailbox('new mailbox name');
  args.end();
  return { from, to };
}

/** COPY, MOVE: `sequence-set mailbox` */
export function parseCopyArgs(args: ArgReader): { readonly set: SequenceSet; readonly mailbox: string } {
  const set = args.sequenceSet();
  const mailbox = args.mailbox();
  args.end();
  return { set, mailbox };
}

/** UID EXPUNGE: `sequence-set` */
export function parseUidExpungeArgs(args: ArgReader): { readonly set: SequenceSet } {
  const set = args.sequenceSet();
  args.end();
  return { set };
}

export interface AppendArgs {
  readonly mailbox: string;
  readonly flags: readonly string[];
  readonly internalDate?: number;
  readonly message: Buffer;
  /** Sent as literal8 (`~{n}`, RFC 3516): may contain NUL bytes. */
  readonly binary: boolean;
}

/** `APPEND mailbox [(flags)] [date-time] literal` */
export function parseAppendArgs(args: ArgReader): AppendArgs {
  const mailbox = args.mailbox();
  const flags = args.nextIsList() ? readFlagList(args) : [];
  let internalDate: number | undefined;
  if (args.peek()?.type === 'quoted') internalDate = parseDateTime(args.astring('date-time'));
  const t = args.next('message literal');
  if (t.type !== 'literal') throw new ImapSyntaxError('Message must be a literal');
  args.end();
  if (!t.binary && t.bytes.includes(0)) throw new ImapSyntaxError('NUL in message; use literal8');
  const base = { mailbox, flags, message: t.bytes, binary: t.binary };
  return internalDate === undefined ? base : { ...base, internalDate };
}

/** `ENABLE capability...` */
export function parseEnableArgs(args: ArgReader): { readonly capabilities: readonly string[] } {
  const capabilities: string[] = [];
  while (!args.done) capabilities.push(args.keyword('capability'));
  if (capabilities.length === 0) throw new ImapSyntaxError('Missing capability');
  return { capabilities };
}

/** `ID (NIL | ("key" nstring ...))` — at most 30 pairs (RFC 2971). */
export function parseIdArgs(args: ArgReader): { readonly params: ReadonlyMap<string, string | null> } {
  const params = new Map<string, string | null>();
  if (args.acceptKeyword('NIL')) {
    args.end();
    return { params };
  }
  const list = args.list('ID parameter list');
  args.end();
  while (!list.done) {
    const key = list.astring('ID field');
    const value = list.nstring('ID value');
    if (key.length > 30 || (value !== null && value.length > 1024) || params.size >= 30)
      throw new ImapSyntaxError('ID parameters too long');
    params.set(key.toLowerCase(), value);
  }
  return { params };
}

/** `GETQUOTA root` */
export function parseQuotaRootArg(args: ArgReader): { readonly root: string } {
  const root = args.astring('quota root');
  args.end();
  return { root };
}

/** `SETQUOTA root (resource limit ...)` */
export function parseSetQuotaArgs(args: ArgReader): { readonly root: string; readonly limits: ReadonlyMap<string, number> } {
  const root = args.astring('quota root');
  const list = args.list('resource limits');
  const limits = new Map<string, number>();
  while (!list.done) limits.set(list.keyword('resource name'), list.number('resource limit'));
  args.end();
  return { root, limits };
}
