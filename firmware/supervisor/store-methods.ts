// The MailStore methods a listener thread may call through the proxy. The host
// dispatches only names found here, so nothing from the wire picks an arbitrary
// property of the store. subscribe, blobPath and close are handled on the
// worker side (the change feed, a local path computation, detaching the port).

import type { MailStore } from '../store/types.ts';

export type LocalMethod = 'subscribe' | 'blobPath' | 'close';
export type RemoteMethod = Exclude<keyof MailStore, LocalMethod>;

export const REMOTE_METHODS = [
  'addDomain',
  'getDomain',
  'listDomains',
  'removeDomain',
  'createAccount',
  'getAccount',
  'findAccount',
  'listAccounts',
  'updateAccount',
  'deleteAccount',
  'setAlias',
  'getAlias',
  'listAliases',
  'removeAlias',
  'resolveRecipient',
  'listMailboxes',
  'getMailbox',
  'getMailboxById',
  'createMailbox',
  'renameMailbox',
  'deleteMailbox',
  'setSubscribed',
  'deliver',
  'appendMessage',
  'listMessages',
  'getMessage',
  'getMailboxIndex',
  'getBodyInfo',
  'getBodyInfos',
  'getBodyHeads',
  'listMessageColumns',
  'getHeaderFields',
  'searchBodyCandidates',
  'getListenerCache',
  'setListenerCache',
  'searchCandidates',
  'readBody',
  'setFlags',
  'copyMessages',
  'moveMessages',
  'expunge',
  'enqueue',
  'getQueueItem',
  'listQueue',
  'updateQueueItem',
  'removeQueueItem',
  'getSetting',
  'listSettings',
  'setSettings',
  'acquireLease',
  'releaseLease',
  'stats',
  'fsck',
  'backup',
] as const satisfies readonly RemoteMethod[];

// Fails to type-check when MailStore grows a method that is missing above.
type Unlisted = Exclude<RemoteMethod, (typeof REMOTE_METHODS)[number]>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

const remoteSet: ReadonlySet<string> = new Set(REMOTE_METHODS);

export function isRemoteMethod(name: unknown): name is RemoteMethod {
  return typeof name === 'string' && remoteSet.has(name);
}
