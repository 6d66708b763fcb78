// RETR read-ahead: clients download a maildrop in order (fetchmail, getmail,
// Outlook), so while RETR n goes out, the bodies of the next few are read.
// That hides the thread-pool round trips of opening and reading small blob
// files, which dominate a RETR on a busy box. Only small bodies, and at most
// MAX_BYTES of them per session, are held.

import type { MailStore } from '../store/types.ts';
import type { Maildrop, MaildropMessage } from './maildrop.ts';
import { isSmallBody, openMessageBody } from './message-body.ts';
import type { StreamedBody } from './replies.ts';

const MAX_MESSAGES = 4;
const MAX_BYTES = 512 * 1024;

interface Pending {
  readonly message: MaildropMessage;
  readonly body: Promise<StreamedBody | undefined>;
}

export class ReadAhead {
  private pending: Pending[] = [];

  /** The body read ahead for `message`, if any; a failed read gives undefined (the caller reads again and reports). */
  take(message: MaildropMessage): Promise<StreamedBody | undefined> | undefined {
    const at = this.pending.findIndex((p) => p.message === message);
    if (at === -1) {
      // Not reading in order after all: drop what was read for nothing.
      this.pending = [];
      return undefined;
    }
    const found = this.pending[at];
    this.pending = this.pending.slice(at + 1);
    return found?.body;
  }

  /** After RETR of `number`: read the following small bodies that are not read yet. */
  fill(store: Pick<MailStore, 'blobPath' | 'readBody'>, maildrop: Maildrop, number: number): void {
    let bytes = this.pending.reduce((sum, p) => sum + p.message.size, 0);
    let next = (this.pending.at(-1)?.message.number ?? number) + 1;
    while (this.pending.length < MAX_MESSAGES) {
      const message = maildrop.get(next++);
      if (message === undefined || message.gone || !isSmallBody(message) || bytes + message.size > MAX_BYTES) return;
      bytes += message.size;
      this.pending.push({ message, body: openMessageBody(store, message).catch(() => undefined) });
    }
  }

  clear(): void {
    this.pending = [];
  }
}
