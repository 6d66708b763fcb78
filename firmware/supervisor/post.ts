// postMessage with a transfer list, falling back to a copy when a buffer cannot
// be transferred (Node marks some internal Buffer memory untransferable).

import type { MessagePort } from 'node:worker_threads';

export function postTransferring(port: MessagePort, message: unknown, transfer: ArrayBuffer[]): void {
  if (transfer.length === 0) {
    port.postMessage(message);
    return;
  }
  try {
    port.postMessage(message, transfer);
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'DataCloneError') throw err;
    port.postMessage(message);
  }
}
