// BODY[HEADER.FIELDS (...)] results kept in the IMAP listener thread, by the
// field list asked and the body: a client's first sync asks every message
// for the same few fields, and so does the next client and the next sync of
// a new folder view. Bodies never change, so an entry is never stale; the
// cache only has to stay bounded, which it does by bytes, oldest first.
// Values are latin1 strings (one character per byte): compact in V8 and
// written to the response buffer as they are.

/** Characters (bytes) of selected header fields kept at most. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Overhead counted per entry besides its bytes (map slot, key). */
const ENTRY_COST = 96;

export class HeaderFieldsCache {
  private readonly maxBytes: number;
  /** By field list key, then by blob id; both in insertion order (oldest first). */
  private readonly lists = new Map<string, Map<string, string>>();
  private bytes = 0;

  constructor(options: { readonly maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** The key of a field list: names compare case-insensitively, order kept (it does not change the result, but is cheap to keep). */
  static listKey(names: readonly string[], not: boolean): string {
    return `${not ? 'NOT' : ''}(${names.map((n) => n.toUpperCase()).join(' ')})`;
  }

  /** The entries of one field list (undefined when none yet). Read-only use. */
  entries(listKey: string): ReadonlyMap<string, string> | undefined {
    return this.lists.get(listKey);
  }

  /** Keep the selected fields of one body ('' = the body has no kept header). */
  set(listKey: string, blobId: string, value: string): void {
    if (this.maxBytes <= 0) return;
    let list = this.lists.get(listKey);
    if (list === undefined) {
      list = new Map();
      this.lists.set(listKey, list);
    }
    const old = list.get(blobId);
    if (old !== undefined) this.bytes -= old.length + ENTRY_COST;
    list.set(blobId, value);
    this.bytes += value.length + ENTRY_COST;
    this.evict();
  }

  get size(): number {
    return this.bytes;
  }

  private evict(): void {
    while (this.bytes > this.maxBytes) {
      const [listKey, list] = this.lists.entries().next().value!;
      const first = list.entries().next();
      if (first.done === true) {
        this.lists.delete(listKey);
        continue;
      }
      const [blobId, value] = first.value;
      list.delete(blobId);
      this.bytes -= value.length + ENTRY_COST;
      if (list.size === 0) this.lists.delete(listKey);
    }
  }
}
