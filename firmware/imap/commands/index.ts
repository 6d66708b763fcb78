// The command table: every verb the server knows, by upper-case wire name.
// The connection looks a command up here and nowhere else.

import { append } from './append.ts';
import { authenticate } from './authenticate.ts';
import { capability } from './capability.ts';
import { check } from './check.ts';
import { close } from './close.ts';
import { compress } from './compress.ts';
import { copy, uidCopy } from './copy.ts';
import { create } from './create.ts';
import { deleteMailbox } from './delete.ts';
import { enable } from './enable.ts';
import { examine } from './examine.ts';
import { expunge, uidExpunge } from './expunge.ts';
import { fetch, uidFetch } from './fetch.ts';
import { getquota } from './getquota.ts';
import { getquotaroot } from './getquotaroot.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list } from './list.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { lsub } from './lsub.ts';
import { move, uidMove } from './move.ts';
import { namespace } from './namespace.ts';
import { noop } from './noop.ts';
import { rename } from './rename.ts';
import { search, uidSearch } from './search.ts';
import { select } from './select.ts';
import { setquota } from './setquota.ts';
import { sort, uidSort } from './sort.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { storeCommand, uidStore } from './store.ts';
import { subscribe } from './subscribe.ts';
import type { Command } from './types.ts';
import { unselect } from './unselect.ts';
import { unsubscribe } from './unsubscribe.ts';
import { xlist } from './xlist.ts';

export const COMMANDS: readonly Command[] = [
  capability,
  noop,
  logout,
  starttls,
  authenticate,
  login,
  id,
  enable,
  namespace,
  select,
  examine,
  create,
  deleteMailbox,
  rename,
  subscribe,
  unsubscribe,
  list,
  xlist,
  lsub,
  status,
  append,
  getquota,
  getquotaroot,
  setquota,
  check,
  close,
  unselect,
  idle,
  compress,
  fetch,
  uidFetch,
  storeCommand,
  uidStore,
  search,
  uidSearch,
  sort,
  uidSort,
  copy,
  uidCopy,
  move,
  uidMove,
  expunge,
  uidExpunge,
];

/** Build the lookup table; a duplicate name is a programming error. */
export function commandTable(commands: readonly Command[] = COMMANDS): ReadonlyMap<string, Command> {
  const table = new Map<string, Command>();
  for (const command of commands) {
    if (table.has(command.name)) throw new Error(`duplicate IMAP command ${command.name}`);
    table.set(command.name, command);
  }
  return table;
}
