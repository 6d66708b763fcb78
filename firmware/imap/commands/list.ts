// tag LIST [(selection-options)] reference (mailbox-pattern | (patterns)) [RETURN (return-options)]
import type { Mailbox } from '../../store/types.ts';
import { atom, type ImapValue } from '../compiler.ts';
import { joinReference, mailboxMatcher } from '../mailbox-match.ts';
import { ok } from '../responses.ts';
import { type ListArgs, parseListArgs } from '../syntax/list.ts';
import { DELIMITER, encodeMailboxName } from '../syntax/mailbox-name.ts';
import { statusResponse } from './mailbox-status.ts';
import { AUTHENTICATED, type CommandContext, defineCommand } from './types.ts';

/** XLIST names for special uses (what older Outlook and Gmail-era clients look for). */
const XLIST_NAMES: Record<string, string> = { '\\All': '\\AllMail', '\\Junk': '\\Spam', '\\Flagged': '\\Starred' };

/** LIST and XLIST: one listing, two response names. */
export async function listMailboxes(ctx: CommandContext, args: ListArgs, verb: 'LIST' | 'XLIST'): Promise<void> {
  const account = ctx.session.account!;
  // RFC 3501: an empty pattern asks for the delimiter and root.
  if (args.patterns.length === 1 && args.patterns[0] === '' && !args.extended) {
    await ctx.send({ type: 'data', values: [atom(verb), [atom('\\Noselect')], DELIMITER, ''] });
    return;
  }
  const matchers = args.patterns.filter((p) => p !== '').map((p) => mailboxMatcher(joinReference(args.reference, p)));
  const all = await ctx.deps.store.listMailboxes(account.id);
  const names = new Set(all.map((m) => m.name));
  const subscribedOnly = args.selection.includes('SUBSCRIBED');
  const specialOnly = args.selection.includes('SPECIAL-USE');
  const sorted = [...all].sort((a, b) =>
    a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const recursive = subscribedOnly && args.selection.includes('RECURSIVEMATCH');
  for (const box of sorted) {
    if (!matchers.some((m) => m(box.name))) continue;
    if (specialOnly && box.specialUse === undefined) continue;
    // RECURSIVEMATCH (RFC 5258 3.5): an unsubscribed mailbox with a subscribed
    // descendant is listed too, with CHILDINFO saying why.
    let childInfo = false;
    if (subscribedOnly && !box.subscribed) {
      if (!recursive || !all.some((m) => m.subscribed && m.name.startsWith(box.name + DELIMITER))) continue;
      childInfo = true;
    }
    const attrs = attributes(box, names, args, verb, subscribedOnly);
    const values: ImapValue[] = [atom(verb), attrs.map(atom), DELIMITER, encodeMailboxName(box.name)];
    if (childInfo) values.push(['CHILDINFO', ['SUBSCRIBED']]);
    await ctx.send({ type: 'data', values });
    if (args.returnStatus !== undefined) await ctx.send({ type: 'data', values: await statusResponse(ctx, box, args.returnStatus) });
  }
}

function attributes(box: Mailbox, names: ReadonlySet<string>, args: ListArgs, verb: 'LIST' | 'XLIST', subscribedOnly: boolean): string[] {
  const prefix = box.name + DELIMITER;
  let hasChildren = false;
  for (const n of names) {
    if (n.startsWith(prefix)) {
      hasChildren = true;
      break;
    }
  }
  const attrs: string[] = [hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
  if ((args.returnSubscribed || subscribedOnly) && box.subscribed) attrs.push('\\Subscribed');
  if (verb === 'XLIST' && box.name === 'INBOX') attrs.push('\\Inbox');
  // Special-use attributes always go out: RFC 6154 allows it and clients rely on them.
  if (box.specialUse !== undefined) attrs.push(verb === 'XLIST' ? (XLIST_NAMES[box.specialUse] ?? box.specialUse) : box.specialUse);
  return attrs;
}

export const list = defineCommand({
  name: 'LIST',
  states: AUTHENTICATED,
  args: parseListArgs,
  async run(ctx, args) {
    await listMailboxes(ctx, args, 'LIST');
    return ok('LIST completed');
  },
});
