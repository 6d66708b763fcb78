// A DeliveryTarget standing in for the outbound queue in listener tests: it
// accepts every recipient and records what was committed, so a test can see
// what would have been queued for remote delivery.

import type { CommitResult, DeliveryTarget, Envelope } from '../../../firmware/delivery/target.ts';

export interface RecordedDelivery {
  readonly envelope: Envelope;
  readonly recipients: readonly string[];
  readonly message: string;
}

export function recordingTarget(): DeliveryTarget & { readonly committed: RecordedDelivery[] } {
  const committed: RecordedDelivery[] = [];
  return {
    committed,
    start(envelope) {
      const recipients: string[] = [];
      let message = '';
      return {
        async addRecipient(address) {
          if (!recipients.includes(address)) recipients.push(address);
          return { ok: true };
        },
        body(bytes) {
          message = Buffer.from(bytes).toString('utf8');
        },
        async commit(): Promise<CommitResult> {
          committed.push({ envelope, recipients, message });
          return { ok: true, ids: [`q${committed.length}`], failed: [] };
        },
        abort() {},
      };
    },
  };
}
