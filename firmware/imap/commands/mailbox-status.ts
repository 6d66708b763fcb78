// STATUS item values for a mailbox, shared by STATUS and LIST-STATUS.

import type { Mailbox } from '../../store/types.ts';
import { atom, type ImapValue } from '../compiler.ts';
import type { StatusItem } from '../syntax/list.ts';
import { encodeMailboxName } from '../syntax/mailbox-name.ts';
import type { CommandContext } from './types.ts';

/** `* STATUS name (ITEM value ...)` for one mailbox. */
export async function statusResponse(ctx: CommandContext, mailbox: Mailbox, items: readonly StatusItem[]): Promise<ImapValue[]> {
  const values: ImapValue[] = [];
  for (const item of items) {
    values.push(atom(item), await statusValue(ctx, mailbox, item));
  }
  return [atom('STATUS'), encodeMailboxName(mailbox.name), values];
}

async function statusValue(ctx: CommandContext, mailbox: Mailbox, item: StatusItem): Promise<number> {
  switch (item) {
    case 'MESSAGES':
      return mailbox.messages;
    // \Recent is not tracked (IMAP4rev2 dropped it); no message is ever recent.
    case 'RECENT':
      return 0;
    case 'UIDNEXT':
      return mailbox.uidNext;
    case 'UIDVALIDITY':
      return mailbox.uidValidity;
    case 'UNSEEN':
      return mailbox.unseen;
    case 'HIGHESTMODSEQ':
      return mailbox.highestModseq;
    case 'SIZE':
      return mailbox.size;
    case 'DELETED': {
      const messages = await ctx.deps.store.listMessages(mailbox.id);
      return messages.filter((m) => m.flags.includes('\\Deleted')).length;
    }
    case 'APPENDLIMIT':
      return ctx.deps.maxMessageBytes;
  }
}
