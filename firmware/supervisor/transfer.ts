// Bodies cross threads as transferred ArrayBuffers instead of structured-clone
// copies (which serialize and copy twice). Two modes:
// - 'move' (the store's results): a view that owns its whole buffer is sent as
//   is and detached here; only slices, pooled Buffers and shared memory are
//   copied first. Safe because the store hands out fresh buffers.
// - 'copy' (a listener's arguments): every body is copied once into a fresh
//   buffer and that copy is transferred, so the caller's memory stays intact.
//   Callers do reuse bodies after a store call (the delivery router hands one
//   message to the local and the outbound target; bounce notices enqueue and
//   then deliver the same body), and a detached buffer reads as empty: moving
//   them would silently store empty mail.

import { PochtaError } from '../errors.ts';

export interface Prepared {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
}

// Deep enough for every MailStore argument and result (a Delivery's body sits at depth 1).
const MAX_DEPTH = 4;

/**
 * Return `value` with every Uint8Array replaced by one that owns its buffer
 * (in 'copy' mode always a fresh copy), plus the buffers to transfer.
 * Containers are rebuilt only where a view was replaced; the caller's objects
 * are never mutated. A detached view is refused loudly instead of sending an empty body.
 */
export function prepareTransfer(value: unknown, mode: TransferMode): Prepared {
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBuffer>();
  const out = walk(value, 0, { mode, transfer, seen });
  return { value: out, transfer };
}

export type TransferMode = 'move' | 'copy';

interface WalkState {
  readonly mode: TransferMode;
  readonly transfer: ArrayBuffer[];
  readonly seen: Set<ArrayBuffer>;
}

function walk(value: unknown, depth: number, state: WalkState): unknown {
  if (value instanceof Uint8Array) return own(value, state);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const next = walk(item, depth + 1, state);
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
    const next = walk(item, depth + 1, state);
    if (next !== item) {
      copy ??= { ...value };
      copy[key] = next;
    }
  }
  return copy ?? value;
}

function own(view: Uint8Array, { mode, transfer, seen }: WalkState): Uint8Array {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && buffer.detached) {
    throw new PochtaError('INVALID_ARGUMENT', 'body buffer is detached (already transferred to another thread)');
  }
  const ownsAll =
    mode === 'move' && buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && !seen.has(buffer);
  // Buffer instances are sent as plain Uint8Array so the receiver gets the documented type.
  const fresh = ownsAll ? new Uint8Array(buffer) : new Uint8Array(view);
  const target = fresh.buffer as ArrayBuffer;
  seen.add(target);
  transfer.push(target);
  return fresh;
}
