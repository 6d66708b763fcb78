// Child of mover-crash.test.ts: commits deliveries and expunges while the body
// mover runs a pass after every new body (delayMs 0, eagerCount 1), until it
// is killed. A few drafts recur: delivered, expunged and delivered again, and
// also refused (an over-quota mailbox) while passes move them, so kills land
// between every step of a pass with the same bytes coming and going.
// Protocol on stdout, one line each:
//   ready
//   ack deliver <uid> <blobId>     the delivery resolved (durable)
//   try expunge <uid>              about to expunge (may or may not commit)
//   ack expunge <uid>              the expunge resolved (durable)
import { randomBytes } from 'node:crypto';
import { openStore } from '../../firmware/store/index.ts';
import { say } from './child-protocol.ts';

const [dir, accountId, mailboxId, fullMailboxId] = process.argv.slice(2);
if (!dir || !accountId || !mailboxId || !fullMailboxId)
  throw new Error('usage: mover-crash-child.ts DIR ACCOUNT_ID MAILBOX_ID FULL_MAILBOX_ID');

const store = await openStore({ dir, bodyMover: { delayMs: 0, eagerCount: 1 } });
say('ready');

const drafts = [0, 1, 2].map((i) => Buffer.from(`Subject: draft ${i}\r\n\r\n${'draft text '.repeat(300 + i)}\r\n`));
const acked: number[] = [];

async function worker(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const roll = (n * 7 + id) % 10;
    if (roll < 5 || acked.length < 4) {
      const body =
        roll < 3 ? (drafts[(n + id) % 3] as Buffer) : Buffer.concat([Buffer.from(`Subject: w${id} n${n}\r\n\r\n`), randomBytes(3000)]);
      const result = await store.deliver({ recipients: [{ accountId: accountId as string }], body });
      const copy = result.copies[0];
      if (copy) {
        acked.push(copy.uid);
        say(`ack deliver ${copy.uid} ${result.blobId}`);
      }
    } else if (roll < 7) {
      // the same bytes refused: its collection runs while a pass may hold the body
      await store.appendMessage(fullMailboxId as string, drafts[n % 3] as Buffer).catch(() => undefined);
    } else {
      const uid = acked.splice(Math.floor(Math.random() * acked.length), 1)[0] as number;
      say(`try expunge ${uid}`);
      const removed = await store.expunge(mailboxId as string, [uid]);
      if (removed.includes(uid)) say(`ack expunge ${uid}`);
    }
  }
}

await Promise.all([0, 1, 2].map(worker));
