// Child of store-crash.test.ts: opens the store and commits deliveries, flag
// changes and expunges from several concurrent loops until it is killed.
// Protocol on stdout, one line each:
//   ready
//   ack deliver <uid> <blobId>     the delivery resolved (durable)
//   ack flag <uid> <keyword>       the keyword was added (durable)
//   try expunge <uid>              about to expunge (may or may not commit)
//   ack expunge <uid>              the expunge resolved (durable)
import { createHash, randomBytes } from 'node:crypto';
import { openStore } from '../../firmware/store/index.ts';
import { say } from './child-protocol.ts';

const [dir, accountId, mailboxId] = process.argv.slice(2);
if (!dir || !accountId || !mailboxId) throw new Error('usage: store-crash-child.ts DIR ACCOUNT_ID MAILBOX_ID');

const store = await openStore({ dir, analyze: (body) => ({ text: createHash('md5').update(body).digest('hex') }) });
say('ready');

// A few bodies recur, so dedup, refcounts and unlinks all get interrupted too.
const shared = [0, 1, 2].map((i) => Buffer.from(`Subject: shared ${i}\r\n\r\n${'shared body '.repeat(200)}${i}\r\n`));
const acked: number[] = [];

async function worker(id: number): Promise<never> {
  for (let n = 0; ; n++) {
    const roll = (n * 7 + id) % 10;
    if (roll < 6 || acked.length < 5) {
      const body =
        roll === 0 ? (shared[n % 3] as Buffer) : Buffer.concat([Buffer.from(`Subject: w${id} n${n}\r\n\r\n`), randomBytes(2048)]);
      const result = await store.deliver({ recipients: [{ accountId: accountId as string }], body });
      const copy = result.copies[0];
      if (copy) {
        acked.push(copy.uid);
        say(`ack deliver ${copy.uid} ${result.blobId}`);
      }
    } else if (roll < 9) {
      const uid = acked[Math.floor(Math.random() * acked.length)] as number;
      const keyword = `k${id}x${n}`;
      const result = await store.setFlags(mailboxId as string, [uid], 'add', [keyword, '\\Seen']);
      if (result.changed.some((change) => change.uid === uid)) say(`ack flag ${uid} ${keyword}`);
    } else {
      const uid = acked.splice(Math.floor(Math.random() * acked.length), 1)[0] as number;
      say(`try expunge ${uid}`);
      const removed = await store.expunge(mailboxId as string, [uid]);
      if (removed.includes(uid)) say(`ack expunge ${uid}`);
    }
  }
}

await Promise.all([0, 1, 2, 3].map(worker));
