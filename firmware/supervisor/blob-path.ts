// Where the store keeps a body: <dataDir>/blobs/<first 2 hex>/<sha256 hex>.
// The proxy computes it locally so blobPath() stays synchronous in a worker.

import { join } from 'node:path';
import { PochtaError } from '../errors.ts';

const BLOB_ID = /^[0-9a-f]{64}$/;

/** Absolute path of blob `blobId` under `blobDir` (the store's <dataDir>/blobs). */
export function blobPathIn(blobDir: string, blobId: string): string {
  // Refuse anything but a content address: the id becomes a path component.
  if (!BLOB_ID.test(blobId)) throw new PochtaError('INVALID_ARGUMENT', `not a blob id: ${JSON.stringify(blobId).slice(0, 80)}`);
  return join(blobDir, blobId.slice(0, 2), blobId);
}
