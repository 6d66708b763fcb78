// Where a body lives. Small bodies (most mail) are kept inside LevelDB, in the
// same batch as the records that reference them, so they share the group
// commit's one fsync: a file per body costs a file fsync and a directory fsync
// each, which caps durable delivery at a few hundred messages a second on an
// SD card. Large bodies stay files: LevelDB rewrites values as it compacts,
// which would multiply the writes (and the card's wear) for big attachments,
// and a file can be streamed to a client without holding it in memory.
//
// The rule is by size alone, so any thread can tell from a message's size
// whether it may open a file (blobPath) or must ask the store (readBody).
// Bodies stored as files before this rule existed stay files; the store's
// readBody finds them either way.

/** Bodies up to this many bytes are kept in the database (bdata:<hash>); larger ones are files. */
export const INLINE_BODY_LIMIT = 64 * 1024;

/** Whether a body of `size` bytes is (or may be) kept in the database rather than as a file. */
export function isInlineBody(size: number): boolean {
  return size <= INLINE_BODY_LIMIT;
}
