// Cache records a listener keeps in the database: data derived from the
// mail (e.g. the IMAP listener's header fields of a mailbox's first sync)
// that makes the first use after a restart as quick as the next ones, the
// way Dovecot keeps dovecot.index.cache. Never a source of truth: a reader
// checks a record against the mail before using it, a record may be dropped
// at any time, and it is written without fsync (a crash may lose it). The
// store neither checks nor collects these records; whoever writes one drops
// it when it would hold data the mail no longer has.
import { PochtaError } from '../errors.ts';
import { type StoreCore, storageError } from './core.ts';
import { keys } from './keys.ts';

/** Longest record name. */
const MAX_NAME = 200;

function checkName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME) {
    throw new PochtaError('INVALID_ARGUMENT', 'bad listener cache name');
  }
}

/** The record, or undefined. */
export async function getListenerCache(core: StoreCore, name: string): Promise<unknown> {
  checkName(name);
  core.assertOpen();
  try {
    return await core.db.get(keys.listenerCache(name));
  } catch (err) {
    throw storageError(err);
  }
}

/** Keep a record (undefined: drop it). Not synced. */
export async function setListenerCache(core: StoreCore, name: string, value: unknown): Promise<void> {
  checkName(name);
  core.assertOpen();
  try {
    if (value === undefined) await core.db.del(keys.listenerCache(name));
    else await core.db.put(keys.listenerCache(name), value);
  } catch (err) {
    throw storageError(err);
  }
}
