// The command table: every verb the server knows, by upper-case keyword. The
// connection looks a command up here and nowhere else. APOP is deliberately
// absent (it needs the password in the clear on the server).

import { auth } from './auth.ts';
import { capa } from './capa.ts';
import { dele } from './dele.ts';
import { list } from './list.ts';
import { noop } from './noop.ts';
import { pass } from './pass.ts';
import { quit } from './quit.ts';
import { retr } from './retr.ts';
import { rset } from './rset.ts';
import { stat } from './stat.ts';
import { stls } from './stls.ts';
import { top } from './top.ts';
import type { Command } from './types.ts';
import { uidl } from './uidl.ts';
import { user } from './user.ts';

export const COMMANDS: readonly Command[] = [capa, stls, user, pass, auth, stat, list, uidl, retr, top, dele, rset, noop, quit];

/** Build the lookup table; a duplicate name is a programming error. */
export function commandTable(commands: readonly Command[] = COMMANDS): ReadonlyMap<string, Command> {
  const table = new Map<string, Command>();
  for (const command of commands) {
    if (table.has(command.name)) throw new Error(`duplicate POP3 command ${command.name}`);
    table.set(command.name, command);
  }
  return table;
}
