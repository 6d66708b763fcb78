// RFC 2047 encoded words. Adjacent words are joined at the byte level before
// charset decoding, because encoders do split multi-byte characters (and
// iso-2022-jp escape sequences) across words.
import { Buffer } from 'node:buffer';
import { decodeCharset } from './charset.ts';
import { decodeBase64 } from './transfer-decoding.ts';

function qBytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '_') {
      bytes.push(0x20);
    } else if (ch === '=' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = text.charCodeAt(i);
      if (code < 0x80) bytes.push(code);
      else for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    }
  }
  return bytes;
}

function wordBytes(encoding: string, text: string): Uint8Array {
  if (encoding === 'b' || encoding === 'B') return decodeBase64(Buffer.from(text, 'latin1'));
  return Uint8Array.from(qBytes(text));
}

/**
 * Decode every RFC 2047 encoded word in a header value, with any charset
 * TextDecoder knows (unknown ones degrade to latin1). Whitespace between two
 * encoded words is dropped, as the RFC says. Never throws.
 */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let pendingCharset: string | null = null;
  let pending: Uint8Array[] = [];
  const flush = (): void => {
    if (pendingCharset !== null) out += decodeCharset(Buffer.concat(pending), pendingCharset);
    pendingCharset = null;
    pending = [];
  };
  // One encoded word. Bounded classes, no nested quantifiers: linear time.
  const encodedWord = /=\?([^?\s]{1,80})\?([bBqQ])\?([^?\s]*)\?=/g;
  for (let m = encodedWord.exec(value); m !== null; m = encodedWord.exec(value)) {
    const between = value.slice(last, m.index);
    const charset = m[1]!.split('*')[0]!.toLowerCase();
    const bytes = wordBytes(m[2]!, m[3]!);
    if (pendingCharset !== null && between.trim() === '') {
      // Adjacent to the previous word: the whitespace between them goes.
      if (charset === pendingCharset) {
        pending.push(bytes);
      } else {
        flush();
        pendingCharset = charset;
        pending = [bytes];
      }
    } else {
      flush();
      out += between;
      pendingCharset = charset;
      pending = [bytes];
    }
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}

/** Encode a value as UTF-8 B encoded words when it is not plain ASCII (for IMAP strings that must stay 7-bit). */
export function encodeWordIfNeeded(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ASCII range is the point
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  const words: string[] = [];
  // Keep each word under RFC 2047's 75 characters: 45 bytes of UTF-8 -> 60 chars of base64.
  let chunk = '';
  let chunkBytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (chunkBytes + size > 45) {
      words.push(`=?utf-8?B?${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
      chunk = '';
      chunkBytes = 0;
    }
    chunk += ch;
    chunkBytes += size;
  }
  if (chunk !== '') words.push(`=?utf-8?B?${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
  return words.join(' ');
}
