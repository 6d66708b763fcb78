// The maildrop of one POP3 session: the account's INBOX as it was at login
// (RFC 1939: message numbers stay fixed for the session), with deletion marks
// that take effect only in the UPDATE state, through one store.expunge call.

import { PochtaError } from '../errors.ts';
import type { MailStore, MessageMeta } from '../store/types.ts';

export interface MaildropMessage {
  /** 1-based message number, fixed for the session. */
  readonly number: number;
  readonly uid: number;
  readonly blobId: string;
  readonly size: number;
  deleted: boolean;
  /** Removed from INBOX by another session (IMAP) since login: RETR and TOP answer -ERR. */
  gone: boolean;
}

/**
 * The unique-id listing (UIDL) of a message: `<uidvalidity>.<uid>` of INBOX.
 * IMAP UIDs are never reused within one UIDVALIDITY, so the pair names a
 * message forever and a client switching between POP3 and IMAP sees the same
 * message under the same name. Only 0x21-0x7E characters, well under 70 (RFC 1939 7).
 */
export function uniqueId(uidValidity: number, uid: number): string {
  return `${uidValidity}.${uid}`;
}

export class Maildrop {
  readonly mailboxId: string;
  readonly uidValidity: number;
  private readonly messages: readonly MaildropMessage[];

  constructor(mailboxId: string, uidValidity: number, metas: readonly MessageMeta[]) {
    this.mailboxId = mailboxId;
    this.uidValidity = uidValidity;
    this.messages = metas.map((meta, i) => ({
      number: i + 1,
      uid: meta.uid,
      blobId: meta.blobId,
      size: meta.size,
      deleted: false,
      gone: false,
    }));
  }

  /** Snapshot the account's INBOX now. */
  static async open(store: Pick<MailStore, 'getMailbox' | 'listMessages'>, accountId: string): Promise<Maildrop> {
    const inbox = await store.getMailbox(accountId, 'INBOX');
    if (inbox === undefined) throw new PochtaError('NOT_FOUND', `account ${accountId} has no INBOX`);
    return new Maildrop(inbox.id, inbox.uidValidity, await store.listMessages(inbox.id));
  }

  /**
   * Follow the change feed so messages another session removes are known to
   * be gone without asking the store on every RETR. Returns the unsubscribe.
   */
  watch(store: Pick<MailStore, 'subscribe'>): () => void {
    const byUid = new Map(this.messages.map((m) => [m.uid, m]));
    return store.subscribe((event) => {
      if (event.type === 'expunged' && event.mailboxId === this.mailboxId) {
        for (const uid of event.uids) {
          const message = byUid.get(uid);
          if (message !== undefined) message.gone = true;
        }
      } else if (event.type === 'mailbox-deleted' && event.mailboxId === this.mailboxId) {
        for (const message of this.messages) message.gone = true;
      }
    });
  }

  /** Messages not marked deleted, in number order. */
  live(): MaildropMessage[] {
    return this.messages.filter((m) => !m.deleted);
  }

  /** STAT: count and octets of the messages not marked deleted. */
  totals(): { readonly count: number; readonly size: number } {
    let count = 0;
    let size = 0;
    for (const m of this.messages) {
      if (m.deleted) continue;
      count++;
      size += m.size;
    }
    return { count, size };
  }

  /** A message by number; undefined when there is none or it is marked deleted (RFC 1939: both are -ERR). */
  get(number: number): MaildropMessage | undefined {
    const message = this.messages[number - 1];
    return message === undefined || message.deleted ? undefined : message;
  }

  uniqueId(message: MaildropMessage): string {
    return uniqueId(this.uidValidity, message.uid);
  }

  /** RSET: unmark everything. */
  reset(): void {
    for (const m of this.messages) m.deleted = false;
  }

  /** UIDs marked deleted, for the one expunge at QUIT. */
  deletedUids(): number[] {
    return this.messages.filter((m) => m.deleted).map((m) => m.uid);
  }
}
