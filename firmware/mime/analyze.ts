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
  const { text, truncated } = searchTextOf(body, structure, options.maxTextChars ?? MAX_SEARCH_TEXT);
  return { structure: truncated ? { ...structure, textTruncated: true } : structure, text };
}
