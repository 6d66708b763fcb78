// What the store calls once per body at delivery.
import type { BodyInfo } from '../store/types.ts';
import { searchTextOf } from './search-text.ts';
import { analyzeMessage, DEFAULT_LIMITS } from './structure.ts';
import type { MessageStructure } from './types.ts';

/** Search text beyond this many characters is not indexed; the structure says so and search scans the blob. */
export const MAX_SEARCH_TEXT = 4 * 1024 * 1024;

/** Top-level headers longer than this are not kept apart (a header FETCH reads them from the blob). */
export const MAX_KEPT_HEAD = 16 * 1024;

/**
 * BodyInfo for the store: the structure (JSON), the normalised search text and
 * the top-level header bytes (kept apart so a header FETCH reads nothing else).
 * Never throws.
 */
export function analyze(body: Uint8Array, options: { readonly maxTextChars?: number } = {}): BodyInfo {
  const structure: MessageStructure = analyzeMessage(body, DEFAULT_LIMITS);
  let result: { text: string; truncated: boolean };
  try {
    result = searchTextOf(body, structure, options.maxTextChars ?? MAX_SEARCH_TEXT);
  } catch {
    // Never lose a delivery to the indexer: an empty, "truncated" text makes search scan the blob.
    result = { text: '', truncated: true };
  }
  const root = structure.root;
  const keepHead = root.headerStart === 0 && root.headerEnd > 0 && root.headerEnd <= MAX_KEPT_HEAD;
  return {
    structure: result.truncated ? { ...structure, textTruncated: true } : structure,
    text: result.text,
    ...(keepHead ? { head: body.subarray(0, root.headerEnd) } : {}),
  };
}

/**
 * The stored structure of a BodyInfo, typed, or undefined when it is missing
 * or of another format version (then re-run analyzeMessage on the blob).
 */
export function asMessageStructure(value: unknown): MessageStructure | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<MessageStructure>;
  if (v.v !== 1 || typeof v.root !== 'object' || v.root === null || typeof v.envelope !== 'object' || v.envelope === null) return undefined;
  return value as MessageStructure;
}
