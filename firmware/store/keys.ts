// The key layout of the LevelDB database. This file alone knows it: every other
// module asks here for a key or a prefix range. Keys are UTF-8 strings whose
// components are joined by ':'; a component that may itself contain ':' (a
// mailbox name, a local part, a setting key) is always the last one, so a
// prefix scan never runs into a neighbour's records.
//
//   meta:schema                    schema version (number)
//   meta:uidvalidity               last UIDVALIDITY handed out (number)
//   meta:open                      present while a process has the store open (unclean-shutdown marker)
//   dom:<domain>                   Domain
//   acc:<accountId>                Account
//   addr:<domain>:<local>          accountId (address index)
//   alias:<domain>:<local>         Alias ('' local part = catch-all @domain)
//   mbx:<mailboxId>                Mailbox (with its counters)
//   mbn:<accountId>:<name>         mailboxId (name index)
//   msg:<mailboxId>:<uid 10 digits> MessageMeta
//   blob:<sha256>                  BlobRecord (refcount), absent = no references
//   binfo:<sha256>                 BodyInfo without its text (the structure), lives and dies with blob:<sha256>
//   btext:<sha256>                 BodyInfo.text (the search text), apart so a structure read does not parse it
//   bhead:<sha256>                 the body's top-level header bytes (body-head.ts), lives and dies with blob:<sha256>
//   bdata:<sha256>                 the bytes of a body kept in the database (body-placement.ts), raw, lives and dies with blob:<sha256>
//   sidx:<sha256>                  search index signature (search-index.ts), lives and dies with blob:<sha256>
//   queue:<id>                     QueueItem
//   set:<key>                      setting value (JSON)
//   lcache:<name>                  a listener's cache record (listener-cache.ts): derived, may vanish at any time

export const SCHEMA_KEY = 'meta:schema';
export const UIDVALIDITY_KEY = 'meta:uidvalidity';
export const OPEN_MARKER_KEY = 'meta:open';

/** A half-open key range [gte, lt) for iterators. */
export interface KeyRange {
  readonly gte: string;
  readonly lt: string;
}

// ';' sorts right after ':', so prefix + ';' bounds everything that starts with prefix + ':'.
function under(prefix: string): KeyRange {
  return { gte: `${prefix}:`, lt: `${prefix};` };
}

function splitAddress(address: string): [local: string, domain: string] {
  const at = address.lastIndexOf('@');
  return [address.slice(0, at), address.slice(at + 1)];
}

export const keys = {
  domain: (name: string) => `dom:${name}`,
  domains: () => under('dom'),
  domainOf: (key: string) => key.slice('dom:'.length),

  account: (id: string) => `acc:${id}`,
  accounts: () => under('acc'),

  address: (address: string) => {
    const [local, domain] = splitAddress(address);
    return `addr:${domain}:${local}`;
  },
  addresses: (domain?: string) => (domain === undefined ? under('addr') : under(`addr:${domain}`)),

  alias: (address: string) => {
    const [local, domain] = splitAddress(address);
    return `alias:${domain}:${local}`;
  },
  aliases: (domain?: string) => (domain === undefined ? under('alias') : under(`alias:${domain}`)),

  mailbox: (id: string) => `mbx:${id}`,
  mailboxes: () => under('mbx'),
  mailboxName: (accountId: string, name: string) => `mbn:${accountId}:${name}`,
  mailboxNames: (accountId: string) => under(`mbn:${accountId}`),
  allMailboxNames: () => under('mbn'),
  mailboxNameOf: (key: string) => {
    const rest = key.slice('mbn:'.length);
    const colon = rest.indexOf(':');
    return { accountId: rest.slice(0, colon), name: rest.slice(colon + 1) };
  },

  message: (mailboxId: string, uid: number) => `msg:${mailboxId}:${String(uid).padStart(10, '0')}`,
  messages: (mailboxId: string, from = 1, to = 0xffffffff): KeyRange => ({
    gte: `msg:${mailboxId}:${String(Math.max(1, from)).padStart(10, '0')}`,
    // a 10-digit UID key followed by ';' bounds `to` inclusively
    lt: `msg:${mailboxId}:${String(Math.min(0xffffffff, to)).padStart(10, '0')};`,
  }),
  allMessages: () => under('msg'),

  blob: (hash: string) => `blob:${hash}`,
  blobs: () => under('blob'),
  blobOf: (key: string) => key.slice('blob:'.length),
  bodyInfo: (hash: string) => `binfo:${hash}`,
  bodyInfos: () => under('binfo'),
  bodyInfoOf: (key: string) => key.slice('binfo:'.length),
  bodyText: (hash: string) => `btext:${hash}`,
  bodyTexts: () => under('btext'),
  bodyTextOf: (key: string) => key.slice('btext:'.length),
  bodyHead: (hash: string) => `bhead:${hash}`,
  bodyHeads: () => under('bhead'),
  bodyHeadOf: (key: string) => key.slice('bhead:'.length),
  bodyData: (hash: string) => `bdata:${hash}`,
  bodyDatas: () => under('bdata'),
  bodyDataOf: (key: string) => key.slice('bdata:'.length),
  searchSignature: (hash: string) => `sidx:${hash}`,
  searchSignatures: () => under('sidx'),
  searchSignatureOf: (key: string) => key.slice('sidx:'.length),

  queueItem: (id: string) => `queue:${id}`,
  queue: () => under('queue'),

  setting: (key: string) => `set:${key}`,
  settings: () => under('set'),
  settingOf: (key: string) => key.slice('set:'.length),

  listenerCache: (name: string) => `lcache:${name}`,
} as const;
