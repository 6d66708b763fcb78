import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PochtaError } from '../../../firmware/errors.ts';
import { prepareTransfer } from '../../../firmware/supervisor/transfer.ts';

describe('prepareTransfer', () => {
  it("'move' transfers a buffer the view owns without copying, and copies views that do not own theirs", () => {
    const owned = new Uint8Array([1, 2, 3]);
    const backing = new Uint8Array([9, 9, 4, 5, 9]);
    const slice = backing.subarray(2, 4);
    const { value, transfer } = prepareTransfer({ a: owned, nested: [slice] }, 'move');
    const out = value as { a: Uint8Array; nested: Uint8Array[] };
    assert.equal(out.a.buffer, owned.buffer, 'no copy for an owned buffer');
    assert.deepEqual([...(out.nested[0] ?? [])], [4, 5]);
    assert.notEqual(out.nested[0]?.buffer, backing.buffer);
    assert.deepEqual(transfer, [owned.buffer, out.nested[0]?.buffer]);
    structuredClone(value, { transfer });
    assert.equal(owned.byteLength, 0, 'moved');
    assert.deepEqual([...backing], [9, 9, 4, 5, 9], 'the slice backing is untouched');
  });

  it("'copy' never detaches the caller's memory and does not mutate the caller's objects", () => {
    const body = new Uint8Array([1, 2, 3]);
    const delivery = { recipients: [{ accountId: 'a' }], body };
    const { value, transfer } = prepareTransfer([delivery], 'copy');
    const sent = (value as Array<typeof delivery>)[0];
    assert.ok(sent);
    assert.notEqual(sent.body.buffer, body.buffer);
    assert.equal(delivery.body, body, 'caller object unchanged');
    assert.equal(sent.recipients, delivery.recipients, 'containers without bodies are shared, not rebuilt');
    structuredClone(value, { transfer });
    assert.deepEqual([...body], [1, 2, 3]);
  });

  it('sends Buffers as plain Uint8Arrays, one transfer entry per buffer, and leaves other values alone', () => {
    const buf = Buffer.from('hello world, long enough to matter');
    const { value, transfer } = prepareTransfer({ x: buf, y: buf, n: 1, s: 'text', d: new Date(0) }, 'move');
    const out = value as { x: Uint8Array; y: Uint8Array; n: number; s: string; d: Date };
    assert.equal(Object.getPrototypeOf(out.x), Uint8Array.prototype);
    assert.equal(new Set(transfer).size, transfer.length);
    assert.equal(out.n, 1);
    assert.equal(out.s, 'text');
    assert.ok(out.d instanceof Date);
    assert.doesNotThrow(() => structuredClone(value, { transfer }));
  });

  it('refuses a detached body', () => {
    const body = new Uint8Array([1]);
    structuredClone(body.buffer, { transfer: [body.buffer] });
    assert.throws(
      () => prepareTransfer({ body }, 'copy'),
      (err: unknown) => err instanceof PochtaError && err.code === 'INVALID_ARGUMENT',
    );
  });
});
