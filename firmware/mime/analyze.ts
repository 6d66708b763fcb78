// What the store calls once per body at delivery.
import type { BodyInfo } from '../store/types.ts';
import { searchTextOf } from './search-text.ts';
import { analyzeMessage, DEFAULT_LIMITS } from './structure.ts';
import type { MessageStructure } from './types.ts';

/** Search text beyond this many characters is not indexed; the structure says so and search scans the blob. */
export const MAX_SEARCH_TEXT = 4 * 1024 * 1024;

/** BodyInfo for the store: the structure (JSON) and the normalised search text. Never throws. */
export function analyze(body: Uint8Array, options: { readonly maxTextChars?: number } = {}): BodyInfo {
  const structure: MessageStructure = analyzeMessage(body, DEFAULT_LIMITS);
  let result: { text: string; truncated: boolean };
  try {
    result = searchTextOf(body, structure, options.maxTextChars ?? MAX_SEARCH_TEXT);
  } catch {
    // Never lose a delivery to the indexer: an empty, "truncated" text makes search scan the blob.
    result = { text: '', truncated: true };
  }
  return { structure: result.truncated ? { ...structure, textTruncated: true } : structure, text: result.text };
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
