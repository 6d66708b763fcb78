// The router is the DeliveryTarget SMTP talks to: it sends recipients in our
// own domains to the local target and everything else (including what local
// aliases forward off-box) to the outbound target, then commits both.

import { type ReplyError, toReplyError } from '../errors.ts';
import type { MailStore } from '../store/types.ts';
import type { Logger } from '../supervisor/service.ts';
import type { CommitResult, DeliveryTarget, DeliveryTransaction, Envelope, MessageInfo, RecipientResult } from './target.ts';

export interface RouterDeps {
  /** Used only to ask whether a domain is ours. */
  readonly store: Pick<MailStore, 'getDomain'>;
  readonly local: DeliveryTarget;
  /** The outbound queue; without it, remote recipients are refused with a temporary error. */
  readonly outbound?: DeliveryTarget;
  readonly log?: Logger;
}

/** 554 5.7.1: the one reply for every attempt to relay without permission. */
export const RELAY_DENIED: ReplyError = { code: 'FORBIDDEN', smtp: 554, enhanced: '5.7.1', text: 'Relay access denied', temporary: false };

export function createRouter(deps: RouterDeps): DeliveryTarget {
  return { start: (envelope) => new RoutedTransaction(deps, envelope) };
}

/** The domain part of an address, lower-cased; '' when there is none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

class RoutedTransaction implements DeliveryTransaction {
  readonly #deps: RouterDeps;
  readonly #envelope: Envelope;
  readonly #local: DeliveryTransaction;
  #outbound: DeliveryTransaction | undefined;
  #localCount = 0;
  #outboundCount = 0;

  constructor(deps: RouterDeps, envelope: Envelope) {
    this.#deps = deps;
    this.#envelope = envelope;
    this.#local = deps.local.start(envelope);
  }

  async addRecipient(address: string): Promise<RecipientResult> {
    // Both lookups at once (each is a round trip to the store's thread): the
    // local side changes nothing for an address whose domain is not local,
    // it only refuses it, and that answer is then dropped.
    const localResult = this.#local.addRecipient(address);
    let isLocal: boolean;
    try {
      isLocal = (await this.#deps.store.getDomain(domainOf(address))) !== undefined;
    } catch (err) {
      return { ok: false, error: toReplyError(err) };
    }
    if (!isLocal) {
      void localResult.catch(() => undefined);
      if (!this.#envelope.mayRelay) return { ok: false, error: RELAY_DENIED };
      return this.#addRemote([address]);
    }
    const result = await localResult;
    if (!result.ok) return result;
    const forward = result.forward ?? [];
    if (forward.length === 0) {
      this.#localCount++;
      return { ok: true };
    }
    // An alias that forwards off-box: the remote copies ride in the outbound queue.
    const remote = await this.#addRemote(forward);
    if (!remote.ok) return remote;
    this.#localCount++;
    return { ok: true };
  }

  async #addRemote(addresses: readonly string[]): Promise<RecipientResult> {
    const outbound = this.#deps.outbound;
    if (!outbound) return { ok: false, error: toReplyError(new Error('no outbound target')) };
    this.#outbound ??= outbound.start(this.#envelope);
    for (const address of addresses) {
      const result = await this.#outbound.addRecipient(address);
      if (!result.ok) return result;
    }
    this.#outboundCount++;
    return { ok: true };
  }

  body(message: Uint8Array, info?: MessageInfo): void {
    this.#local.body(message, info);
    this.#outbound?.body(message, info);
  }

  async commit(): Promise<CommitResult> {
    // Both sides commit together and the reply waits for both: if either fails
    // the client gets 4xx and retries, which may duplicate the half that did
    // succeed, but never loses a copy it was told was accepted.
    const results = await Promise.all([
      this.#localCount > 0 ? this.#local.commit() : Promise.resolve<CommitResult>({ ok: true, ids: [], failed: [] }),
      this.#outbound && this.#outboundCount > 0
        ? this.#outbound.commit()
        : Promise.resolve<CommitResult>({ ok: true, ids: [], failed: [] }),
    ]);
    const failure = results.find((r) => !r.ok);
    if (failure) {
      this.abort();
      return failure;
    }
    const ids: string[] = [];
    const failed: Array<{ address: string; error: ReplyError }> = [];
    for (const r of results) {
      if (!r.ok) continue;
      ids.push(...r.ids);
      failed.push(...r.failed);
    }
    return { ok: true, ids, failed };
  }

  abort(): void {
    this.#local.abort();
    this.#outbound?.abort();
  }
}
