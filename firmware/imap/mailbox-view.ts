// The selected mailbox as this session's client knows it: the sequence number
// ↔ UID map, the modseq of each message as last reported, and the store
// changes not yet told. Store events are only recorded when they arrive; they
// become untagged responses in sync(), at the moments the connection allows,
// so a change this session made itself (and already answered) is not told twice.

import type { StoreEvent } from '../store/types.ts';
import { atom, type ImapResponse, type ImapValue } from './compiler.ts';
import { formatSequenceSet } from './syntax/sequence-set.ts';

/** A keyword that can go out as an IMAP atom (the store may hold others from non-IMAP sources). */
export function isWireFlag(flag: string): boolean {
  return /^\\?[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/.test(flag);
}

/** The FLAGS list of one message as response atoms. */
export function flagAtoms(flags: readonly string[]): ImapValue[] {
  return flags.filter(isWireFlag).map(atom);
}

/** Lowest index i with sorted[i] >= value. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface PendingFlags {
  readonly flags: readonly string[];
  readonly modseq: number;
}

export interface MailboxViewInit {
  readonly mailboxId: string;
  readonly name: string;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  readonly condstore: boolean;
  readonly qresync?: boolean;
}

export class MailboxView {
  readonly mailboxId: string;
  /** Unicode name as the store knows it (follows renames). */
  name: string;
  readonly readOnly: boolean;
  readonly uidValidity: number;
  /** CONDSTORE is on for this selection: untagged FETCH responses carry UID and MODSEQ. */
  condstore: boolean;
  /** QRESYNC is on: expunges are told as VANISHED with UIDs (RFC 7162 3.2.10). */
  readonly qresync: boolean;
  /** UIDs in sequence-number order (ascending): message n has uids[n - 1]. Changes only as the client is told. */
  uids: number[] = [];
  /** modseqs[i]: the modseq of uids[i] whose flags the client has seen (0 unknown). */
  private modseqs: number[] = [];
  /** Keywords announced in FLAGS; a new one makes sync() announce FLAGS again. */
  private readonly keywords = new Set<string>();
  private keywordsChanged = false;
  private readonly addedUids: Array<readonly [number, number]> = [];
  private readonly flagChanges = new Map<number, PendingFlags>();
  private readonly expunged = new Set<number>();
  /** The mailbox was deleted under this session; the connection says BYE. */
  gone = false;

  constructor(init: MailboxViewInit) {
    this.mailboxId = init.mailboxId;
    this.name = init.name;
    this.readOnly = init.readOnly;
    this.uidValidity = init.uidValidity;
    this.condstore = init.condstore || init.qresync === true;
    this.qresync = init.qresync === true;
  }

  /** Fill the view from the store's listing (SELECT); events recorded meanwhile are reconciled by sync(). */
  load(messages: ReadonlyArray<{ readonly uid: number; readonly modseq: number; readonly flags: readonly string[] }>): void {
    this.uids = messages.map((m) => m.uid);
    this.modseqs = messages.map((m) => m.modseq);
    for (const m of messages) this.noteKeywords(m.flags);
    this.keywordsChanged = false;
  }

  /** Fill the view from the store's compact index (SELECT without QRESYNC). */
  loadIndex(uids: ArrayLike<number>, modseqs: ArrayLike<number>, keywords: readonly string[]): void {
    this.uids = Array.isArray(uids) ? uids.slice() : Array.from(uids);
    this.modseqs = Array.isArray(modseqs) ? modseqs.slice() : Array.from(modseqs);
    this.noteKeywords(keywords);
    this.keywordsChanged = false;
  }

  get exists(): number {
    return this.uids.length;
  }

  /** Keywords seen so far, sorted (for FLAGS and PERMANENTFLAGS). */
  keywordList(): string[] {
    return [...this.keywords].sort();
  }

  /** Sequence number of a UID, or 0 when the client does not know it. */
  seqOf(uid: number): number {
    const i = lowerBound(this.uids, uid);
    return this.uids[i] === uid ? i + 1 : 0;
  }

  /** The client was just told the flags of `uid` as of `modseq` (STORE, FETCH FLAGS). */
  reported(uid: number, modseq: number): void {
    const i = lowerBound(this.uids, uid);
    if (this.uids[i] === uid && this.modseqs[i]! < modseq) this.modseqs[i] = modseq;
  }

  /** reported() for the message at `index` of uids (a caller walking the view in order). */
  reportedAt(index: number, uid: number, modseq: number): void {
    if (this.uids[index] === uid && this.modseqs[index]! < modseq) this.modseqs[index] = modseq;
    else if (this.uids[index] !== uid) this.reported(uid, modseq);
  }

  /** Remember keywords a message now has; true when one is new to this view. */
  noteKeywords(flags: readonly string[]): boolean {
    let added = false;
    for (const f of flags) {
      if (f.startsWith('\\') || this.keywords.has(f) || !isWireFlag(f)) continue;
      this.keywords.add(f);
      added = true;
    }
    if (added) this.keywordsChanged = true;
    return added;
  }

  /** Record a store event about this mailbox; true when the client will have something to hear. */
  apply(event: StoreEvent): boolean {
    switch (event.type) {
      case 'message-added':
        this.addedUids.push([event.uid, event.modseq]);
        return true;
      case 'flags-changed':
        for (const c of event.changes) this.flagChanges.set(c.uid, { flags: c.flags, modseq: c.modseq });
        return true;
      case 'expunged':
        for (const uid of event.uids) this.expunged.add(uid);
        return true;
      case 'mailbox-renamed':
        this.name = event.name;
        return false;
      case 'mailbox-deleted':
        this.gone = true;
        return true;
      default:
        return false;
    }
  }

  /**
   * Untagged responses for everything recorded since the last call, in a
   * consistent order: expunges first when allowed (else they wait and their
   * messages stay numbered), then new messages (EXISTS), then flag changes.
   */
  sync(allowExpunge: boolean): ImapResponse[] {
    const out: ImapResponse[] = [];
    if (this.addedUids.length > 0 && this.expunged.size > 0) {
      // Added and removed again before the client heard of it: it never needs to.
      const last = this.uids.at(-1) ?? 0;
      const kept = this.addedUids.filter(([uid]) => uid <= last || !this.expunged.delete(uid));
      this.addedUids.length = 0;
      this.addedUids.push(...kept);
    }
    if (allowExpunge && this.expunged.size > 0) {
      out.push(...this.expunge([...this.expunged]));
      this.expunged.clear();
    }
    if (this.addedUids.length > 0) {
      const last = this.uids.at(-1) ?? 0;
      const fresh = this.addedUids.filter(([uid]) => uid > last && !this.expunged.has(uid)).sort((a, b) => a[0] - b[0]);
      this.addedUids.length = 0;
      for (const [uid] of fresh) {
        if (uid <= (this.uids.at(-1) ?? 0)) continue;
        this.uids.push(uid);
        // The client has not seen these flags yet: its FETCH FLAGS will report them.
        this.modseqs.push(0);
      }
      if (fresh.length > 0) {
        out.push({ type: 'data', values: [this.uids.length, atom('EXISTS')] });
        out.push({ type: 'data', values: [0, atom('RECENT')] });
      }
    }
    if (this.flagChanges.size > 0) {
      const changes = [...this.flagChanges].sort((a, b) => a[0] - b[0]);
      this.flagChanges.clear();
      const fetches: ImapResponse[] = [];
      for (const [uid, change] of changes) {
        const i = lowerBound(this.uids, uid);
        if (this.uids[i] !== uid || this.expunged.has(uid) || this.modseqs[i]! >= change.modseq) continue;
        this.modseqs[i] = change.modseq;
        this.noteKeywords(change.flags);
        fetches.push({ type: 'data', values: [i + 1, atom('FETCH'), this.flagsItems(uid, change.flags, change.modseq)] });
      }
      out.push(...this.flagsAnnouncement(), ...fetches);
    }
    return out;
  }

  /** `* FLAGS` and PERMANENTFLAGS again when a keyword appeared that the client was not told of. */
  flagsAnnouncement(): ImapResponse[] {
    if (!this.keywordsChanged) return [];
    this.keywordsChanged = false;
    const flags = [...SYSTEM_FLAG_ATOMS, ...this.keywordList().map(atom)];
    return [
      { type: 'data', values: [atom('FLAGS'), flags] },
      {
        type: 'status',
        status: 'OK',
        code: { name: 'PERMANENTFLAGS', args: [this.readOnly ? [] : [...flags, atom('\\*')]] },
        text: 'Flags permitted',
      },
    ];
  }

  /** FETCH items for a flags update: UID and MODSEQ too under CONDSTORE (RFC 7162 3.1). */
  flagsItems(uid: number, flags: readonly string[], modseq: number): ImapValue[] {
    const items: ImapValue[] = [];
    if (this.condstore) items.push(atom('UID'), uid);
    items.push(atom('FLAGS'), flagAtoms(flags));
    if (this.condstore) items.push(atom('MODSEQ'), [modseq]);
    return items;
  }

  /**
   * Remove messages from the view and return their EXPUNGE responses, numbered
   * as the client sees them one after the other (RFC 3501 7.4.1); under
   * QRESYNC one VANISHED response with their UIDs instead.
   */
  expunge(uids: readonly number[]): ImapResponse[] {
    const indices: number[] = [];
    for (const uid of uids) {
      const i = lowerBound(this.uids, uid);
      if (this.uids[i] === uid) indices.push(i);
      this.expunged.delete(uid);
    }
    if (indices.length === 0) return [];
    indices.sort((a, b) => a - b);
    const out: ImapResponse[] = this.qresync
      ? [{ type: 'data', values: [atom('VANISHED'), atom(formatSequenceSet(indices.map((i) => this.uids[i]!)))] }]
      : indices.map((index, k) => ({ type: 'data', values: [index + 1 - k, atom('EXPUNGE')] }));
    const drop = new Set(indices);
    this.uids = this.uids.filter((_, i) => !drop.has(i));
    this.modseqs = this.modseqs.filter((_, i) => !drop.has(i));
    return out;
  }

  /** A UID set for response codes (COPYUID, MODIFIED). */
  static uidSet(uids: readonly number[]): string {
    return formatSequenceSet([...uids].sort((a, b) => a - b));
  }
}

const SYSTEM_FLAG_ATOMS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map(atom);
