// Bodies cross threads as transferred ArrayBuffers instead of structured-clone
// copies. A view that does not own its whole buffer (a slice, a pooled Buffer,
// shared memory) is first copied into a fresh buffer of its own, so transferring
// never detaches memory that other code still uses.

import { PochtaError } from '../errors.ts';

export interface Prepared {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
}

// Deep enough for every MailStore argument and result (a Delivery's body sits at depth 1).
const MAX_DEPTH = 4;

/**
 * Return `value` with every Uint8Array replaced by one that owns its buffer,
 * plus the buffers to transfer. Containers are rebuilt only where a view was
 * replaced; the caller's objects are never mutated. A view whose buffer was
 * already transferred (detached) is refused loudly instead of sending an empty body.
 */
export function prepareTransfer(value: unknown): Prepared {
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBuffer>();
  const out = walk(value, 0, transfer, seen);
  return { value: out, transfer };
}

function walk(value: unknown, depth: number, transfer: ArrayBuffer[], seen: Set<ArrayBuffer>): unknown {
  if (value instanceof Uint8Array) return own(value, transfer, seen);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = walk(item, depth + 1, transfer, seen);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = walk(item, depth + 1, transfer, seen);
    if (next !== item) {
      copy ??= { ...value };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

function own(view: Uint8Array, transfer: ArrayBuffer[], seen: Set<ArrayBuffer>): Uint8Array {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && buffer.detached) {
    throw new PochtaError('INVALID_ARGUMENT', 'body buffer was already moved to another thread by an earlier store call');
  }
  const ownsAll = buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && !seen.has(buffer);
  // Buffer instances are sent as plain Uint8Array so the receiver gets the documented type.
  const fresh = ownsAll ? new Uint8Array(buffer) : new Uint8Array(view);
  const target = fresh.buffer as ArrayBuffer;
  seen.add(target);
  transfer.push(target);
  return fresh;
}
