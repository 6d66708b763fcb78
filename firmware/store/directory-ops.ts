// Domains, accounts and aliases: who exists, and where an address leads.
import { generateKeyPair } from 'node:crypto';
import { PochtaError } from '../errors.ts';
import { domainOf, isCatchAll, isValidAddress, isValidDomain, normalizeAddress } from './address.ts';
import { keys } from './keys.ts';
import { DEFAULT_MAILBOXES, dropMailbox, insertMailbox, newId } from './mailbox-ops.ts';
import type { Tx } from './tx.ts';
import type { Account, AccountPatch, Alias, Domain, Mailbox, NewAccount, ResolvedRecipient } from './types.ts';

type DkimKey = NonNullable<Domain['dkim']>;

/** A fresh RSA 2048 DKIM key; the selector names the year so a later rotation gets a new one. */
export function generateDkimKey(now: number): Promise<DkimKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (err, publicKey, privateKey) => {
        if (err) return reject(err);
        resolve({
          selector: `pochta${new Date(now).getUTCFullYear()}`,
          privateKeyPem: privateKey,
          publicKeyBase64: publicKey.toString('base64'),
        });
      },
    );
  });
}

export function normalizeDomain(name: string): string {
  const domain = normalizeAddress(`x@${name}`).slice(2);
  if (!isValidDomain(domain)) throw new PochtaError('INVALID_DOMAIN', `invalid domain ${JSON.stringify(name)}`);
  return domain;
}

export async function addDomain(tx: Tx, name: string, dkim: DkimKey, now: number): Promise<Domain> {
  if (await tx.get(keys.domain(name))) throw new PochtaError('ALREADY_EXISTS', `domain ${name} exists`);
  const domain: Domain = { name, createdAt: now, dkim };
  tx.put(keys.domain(name), domain);
  return domain;
}

export async function removeDomain(tx: Tx, name: string): Promise<void> {
  if (!(await tx.get(keys.domain(name)))) throw new PochtaError('NOT_FOUND', `no domain ${name}`);
  const users = await tx.scan(keys.addresses(name));
  const aliases = await tx.scan(keys.aliases(name));
  if (users.length > 0 || aliases.length > 0) {
    throw new PochtaError('DOMAIN_IN_USE', `domain ${name} has ${users.length} accounts and ${aliases.length} aliases`);
  }
  tx.del(keys.domain(name));
}

export function validAddress(raw: string): string {
  const address = normalizeAddress(raw);
  if (!isValidAddress(address)) throw new PochtaError('INVALID_ADDRESS', `invalid address ${JSON.stringify(raw)}`);
  return address;
}

function validQuota(quota: number | undefined): number {
  if (quota === undefined) return 0;
  if (!Number.isSafeInteger(quota) || quota < 0)
    throw new PochtaError('INVALID_ARGUMENT', 'quota must be a whole number of bytes, 0 = unlimited');
  return quota;
}

export async function createAccount(tx: Tx, input: NewAccount, now: number): Promise<Account> {
  const address = validAddress(input.address);
  if (!(await tx.get(keys.domain(domainOf(address))))) throw new PochtaError('UNKNOWN_DOMAIN', `domain of ${address} is not local`);
  if ((await tx.get(keys.address(address))) || (await tx.get(keys.alias(address)))) {
    throw new PochtaError('ALREADY_EXISTS', `${address} is already in use`);
  }
  if (typeof input.passwordHash !== 'string' || input.passwordHash.length === 0) {
    throw new PochtaError('INVALID_ARGUMENT', 'a password hash is required');
  }
  const account: Account = {
    id: newId(),
    address,
    displayName: input.displayName ?? '',
    passwordHash: input.passwordHash,
    quotaBytes: validQuota(input.quotaBytes),
    usedBytes: 0,
    enabled: input.enabled ?? true,
    createdAt: now,
  };
  tx.put(keys.account(account.id), account);
  tx.put(keys.address(address), account.id);
  for (const mailbox of DEFAULT_MAILBOXES) {
    await insertMailbox(tx, account.id, mailbox.name, now, { specialUse: mailbox.specialUse, subscribed: true });
  }
  tx.emit({ type: 'account-changed', accountId: account.id });
  return account;
}

export async function updateAccount(tx: Tx, id: string, patch: AccountPatch): Promise<Account> {
  const account = await tx.get<Account>(keys.account(id));
  if (!account) throw new PochtaError('NOT_FOUND', `no account ${id}`);
  const next: Account = {
    ...account,
    ...(patch.displayName !== undefined ? { displayName: String(patch.displayName) } : {}),
    ...(patch.passwordHash !== undefined ? { passwordHash: patch.passwordHash } : {}),
    ...(patch.quotaBytes !== undefined ? { quotaBytes: validQuota(patch.quotaBytes) } : {}),
    ...(patch.enabled !== undefined ? { enabled: Boolean(patch.enabled) } : {}),
    ...(patch.junkThreshold !== undefined ? { junkThreshold: patch.junkThreshold } : {}),
  };
  tx.put(keys.account(id), next);
  tx.emit({ type: 'account-changed', accountId: id });
  return next;
}

export async function deleteAccount(tx: Tx, id: string): Promise<void> {
  const account = await tx.get<Account>(keys.account(id));
  if (!account) throw new PochtaError('NOT_FOUND', `no account ${id}`);
  for (const [, mailboxId] of await tx.scan<string>(keys.mailboxNames(id))) {
    const mailbox = await tx.get<Mailbox>(keys.mailbox(mailboxId));
    if (mailbox) await dropMailbox(tx, mailbox);
  }
  tx.del(keys.address(account.address));
  tx.del(keys.account(id));
  tx.emit({ type: 'account-changed', accountId: id });
}

export async function setAlias(tx: Tx, rawAddress: string, rawTargets: readonly string[], now: number): Promise<Alias> {
  const address = normalizeAddress(rawAddress);
  if (!isCatchAll(address) && !isValidAddress(address))
    throw new PochtaError('INVALID_ADDRESS', `invalid alias ${JSON.stringify(rawAddress)}`);
  if (!(await tx.get(keys.domain(domainOf(address))))) throw new PochtaError('UNKNOWN_DOMAIN', `domain of ${address} is not local`);
  if (await tx.get(keys.address(address))) throw new PochtaError('ALREADY_EXISTS', `${address} is an account`);
  const targets = [...new Set(rawTargets.map(validAddress))];
  if (targets.length === 0) throw new PochtaError('INVALID_ARGUMENT', 'an alias needs at least one target');
  const previous = await tx.get<Alias>(keys.alias(address));
  const alias: Alias = { address, targets, createdAt: previous?.createdAt ?? now };
  tx.put(keys.alias(address), alias);
  return alias;
}

export async function removeAlias(tx: Tx, rawAddress: string): Promise<void> {
  const address = normalizeAddress(rawAddress);
  if (!(await tx.get(keys.alias(address)))) throw new PochtaError('NOT_FOUND', `no alias ${address}`);
  tx.del(keys.alias(address));
}

/** What resolveRecipient needs to read; durable state is enough for routing. */
export interface DirectoryReader {
  /** The durable record at `key`, undefined when absent. */
  get<T>(key: string): Promise<T | undefined>;
}

// Each address expands at most once (loops end), and a distribution list that
// grows beyond this many addresses is cut rather than allowed to run away.
const MAX_EXPANSION = 1000;

export async function resolveRecipient(reader: DirectoryReader, raw: string): Promise<ResolvedRecipient | undefined> {
  const address = normalizeAddress(raw);
  if (!isValidAddress(address)) return undefined;
  const accountIds: string[] = [];
  const remote: string[] = [];
  const seen = new Set<string>([address]);
  const queue = [address];
  let matchedLocal = false;
  for (let i = 0; i < queue.length && i < MAX_EXPANSION; i++) {
    const current = queue[i] as string;
    const domain = domainOf(current);
    if (!(await reader.get(keys.domain(domain)))) {
      if (i > 0 && !remote.includes(current)) remote.push(current);
      continue;
    }
    const accountId = await reader.get<string>(keys.address(current));
    let targets: readonly string[] = [];
    if (accountId !== undefined) {
      if (!accountIds.includes(accountId)) accountIds.push(accountId);
    } else {
      const alias = (await reader.get<Alias>(keys.alias(current))) ?? (await reader.get<Alias>(keys.alias(`@${domain}`)));
      if (alias) targets = alias.targets;
      else if (i > 0) continue; // an alias target that leads nowhere local is dropped
    }
    if (i === 0) matchedLocal = accountId !== undefined || targets.length > 0;
    for (const target of targets) {
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return matchedLocal ? { address, accountIds, remote } : undefined;
}
