// Charset decoding through Node's TextDecoder (full ICU: windows-125x, koi8-*,
// iso-2022-jp, shift_jis, gb18030, big5, euc-kr ...). Mail in the wild carries
// labels WHATWG does not know and undeclared 8-bit text, so nothing here
// throws: unknown labels degrade to latin1, undeclared text tries UTF-8 first.
import { asBuffer, utf8OrLatin1 } from './bytes.ts';

// Labels seen in real mail that the WHATWG label table lacks.
const ALIASES: Readonly<Record<string, string>> = {
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1252: 'windows-1252',
  cp1253: 'windows-1253',
  cp1254: 'windows-1254',
  cp1255: 'windows-1255',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp1258: 'windows-1258',
  cp866: 'ibm866',
  cp932: 'shift_jis',
  cp936: 'gbk',
  cp949: 'euc-kr',
  cp950: 'big5',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  'x-gbk': 'gbk',
  'utf-8-sig': 'utf-8',
  ascii: 'utf-8',
  'us-ascii': 'utf-8',
  'ansi_x3.4-1968': 'utf-8',
};

/** Lower-case label with quotes, spaces and an RFC 2231/2184 language suffix removed. */
export function normalizeCharsetLabel(charset: string | undefined | null): string {
  if (!charset) return '';
  let label = charset.trim().toLowerCase();
  if (label.startsWith('"') && label.endsWith('"') && label.length >= 2) label = label.slice(1, -1).trim();
  const star = label.indexOf('*');
  if (star >= 0) label = label.slice(0, star);
  return ALIASES[label] ?? label;
}

/**
 * Decode bytes in a declared charset. No label, ASCII labels and UTF-8 decode
 * as UTF-8 when valid, else latin1 (8-bit text mislabelled as ASCII is common).
 */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined | null): string {
  const buf = asBuffer(bytes);
  const label = normalizeCharsetLabel(charset);
  if (label === '' || label === 'utf-8' || label === 'utf8') return utf8OrLatin1(buf);
  if (label === 'utf-7' || label === 'unicode-1-1-utf-7') return decodeUtf7(buf.toString('latin1'));
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return buf.toString('latin1');
  }
  // WHATWG maps some labels (iso-2022-kr, hz-gb-2312 ...) to "replacement",
  // which would turn the whole text into one U+FFFD.
  if (decoder.encoding === 'replacement') return buf.toString('latin1');
  try {
    return decoder.decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * UTF-7 (RFC 2152), which TextDecoder lacks and old Outlook Express mail
 * still carries: "+" opens modified base64 of UTF-16BE, "-" or any other
 * character closes it, "+-" is a plain "+".
 */
export function decodeUtf7(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch !== '+') {
      out += ch;
      i++;
      continue;
    }
    let j = i + 1;
    if (s[j] === '-') {
      out += '+';
      i = j + 1;
      continue;
    }
    let bits = 0;
    let acc = 0;
    const units: number[] = [];
    for (; j < s.length; j++) {
      const v = B64_ALPHABET.indexOf(s[j]!);
      if (v < 0) break;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        units.push((acc >> bits) & 0xffff);
      }
    }
    for (let k = 0; k < units.length; k += 4096) out += String.fromCharCode(...units.slice(k, k + 4096));
    i = s[j] === '-' ? j + 1 : j;
  }
  return out;
}
