// The outbound DeliveryTarget: remote recipients go into the queue in the
// store, one item per message, written in one durable call at commit. The
// body is DKIM-signed at that moment (see dkim.ts for why then), after our
// Received header is prepended, so the stored body is exactly what every
// retry sends. The router decides what is remote; this target does not refuse
// a recipient for being local.

import { type ReplyError, toReplyError } from '../../errors.ts';
import type { MailStore } from '../../store/types.ts';
import type { Logger } from '../../supervisor/service.ts';
import { receivedHeader } from '../received.ts';
import type { CommitResult, DeliveryTarget, DeliveryTransaction, Envelope, MessageInfo, RecipientResult } from '../target.ts';
import { signOutbound } from './dkim.ts';

export interface OutboundTargetDeps {
  readonly store: Pick<MailStore, 'enqueue' | 'getDomain'>;
  /** Our name in the Received header. */
  readonly hostname: string;
  readonly now: () => number;
  readonly log?: Logger;
}

const encoder = new TextEncoder();

const BAD_ADDRESS: ReplyError = {
  code: 'INVALID_ADDRESS',
  smtp: 553,
  enhanced: '5.1.3',
  text: 'Invalid address',
  temporary: false,
};

export function createOutboundTarget(deps: OutboundTargetDeps): DeliveryTarget {
  return { start: (envelope) => new OutboundTransaction(deps, envelope) };
}

/** A remote address we can hand to SMTP: local@domain, no spaces or brackets, a dotted or bracketed domain. */
export function isDeliverableAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  if (/[\s<>\r\n]/.test(address)) return false;
  const domain = address.slice(at + 1);
  return /^\[[^\]]+\]$/.test(domain) || /^[^.\s]+(\.[^.\s]+)*$/.test(domain);
}

class OutboundTransaction implements DeliveryTransaction {
  readonly #deps: OutboundTargetDeps;
  readonly #envelope: Envelope;
  readonly #recipients = new Set<string>();
  #message: Uint8Array | undefined;
  #done = false;

  constructor(deps: OutboundTargetDeps, envelope: Envelope) {
    this.#deps = deps;
    this.#envelope = envelope;
  }

  async addRecipient(address: string): Promise<RecipientResult> {
    if (this.#done) return { ok: false, error: toReplyError(new Error('transaction finished')) };
    if (!isDeliverableAddress(address)) return { ok: false, error: BAD_ADDRESS };
    this.#recipients.add(address);
    return { ok: true };
  }

  body(message: Uint8Array, _info?: MessageInfo): void {
    this.#message = message;
  }

  async commit(): Promise<CommitResult> {
    if (this.#done) return { ok: false, error: toReplyError(new Error('transaction finished')) };
    this.#done = true;
    const message = this.#message;
    if (!message) return { ok: false, error: toReplyError(new Error('commit without body')) };
    if (this.#recipients.size === 0) return { ok: true, ids: [], failed: [] };
    const recipients = [...this.#recipients];
    const { store, hostname, now, log } = this.#deps;
    try {
      const header = encoder.encode(receivedHeader(this.#envelope, { hostname, recipients, now: now() }));
      const withTrace = Buffer.concat([header, message]);
      const signed = await signOutbound(withTrace, this.#envelope.from, store, now);
      if (signed.error !== undefined)
        log?.warn({ messageId: this.#envelope.messageId, error: signed.error }, 'DKIM signing failed; sending unsigned');
      const meta: Record<string, unknown> = { messageId: this.#envelope.messageId, listener: this.#envelope.client.listener };
      if (signed.domain !== undefined) meta['dkim'] = signed.domain;
      // Known once here, so the runner can stream large bodies without scanning them.
      meta['eightBit'] = signed.body.some((b) => b > 0x7f);
      if (this.#envelope.authUser !== undefined) meta['authUser'] = this.#envelope.authUser.address;
      const item = await store.enqueue({ from: this.#envelope.from, recipients, body: signed.body, meta });
      log?.info(
        { messageId: this.#envelope.messageId, queueId: item.id, recipients: recipients.length, size: item.size, dkim: signed.domain },
        'queued',
      );
      return { ok: true, ids: [item.id], failed: [] };
    } catch (err) {
      log?.error({ messageId: this.#envelope.messageId, err: { message: (err as Error).message } }, 'queueing failed');
      // Whatever failed, the client must be told to retry: nothing was stored.
      const reply = toReplyError(err);
      return { ok: false, error: reply.temporary ? reply : toReplyError({ code: 'STORAGE_FAILURE' }) };
    }
  }

  abort(): void {
    this.#done = true;
    this.#message = undefined;
    this.#recipients.clear();
  }
}
