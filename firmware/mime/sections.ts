// IMAP section numbers (RFC 3501 6.4.5) to byte ranges.
import type { MimeMessage, MimePart, SectionLocation } from './types.ts';

/** Part n (1-based) inside a message: the n-th child of a multipart body; a non-multipart body only has part 1. */
function partOfMessage(message: MimeMessage, n: number): MimePart | undefined {
  const root = message.root;
  if (root.parts !== undefined) return root.parts[n - 1];
  return n === 1 ? root : undefined;
}

/** Part n below a part: a multipart's child, or a part of the message a message/rfc822 part carries. */
function partBelow(part: MimePart, n: number): MimePart | undefined {
  if (part.parts !== undefined) return part.parts[n - 1];
  if (part.message !== undefined) return partOfMessage(part.message, n);
  return undefined;
}

/**
 * Where section `path` (e.g. [1, 2] for BODY[1.2]) lies in the blob; the
 * empty path is the whole message. undefined when no such part exists (the
 * caller answers with an empty string, as servers do). header/text are given
 * only where HEADER and TEXT are allowed: the top level and message/rfc822 parts.
 */
export function findPart(structure: MimeMessage, sectionPath: readonly number[]): SectionLocation | undefined {
  const root = structure.root;
  if (sectionPath.length === 0) {
    return {
      part: root,
      mime: { start: root.headerStart, end: root.headerEnd },
      body: { start: root.headerStart, end: root.bodyEnd },
      header: { start: root.headerStart, end: root.headerEnd },
      text: { start: root.bodyStart, end: root.bodyEnd },
    };
  }
  let part: MimePart | undefined;
  for (let i = 0; i < sectionPath.length; i++) {
    const n = sectionPath[i]!;
    if (!Number.isInteger(n) || n < 1) return undefined;
    part = i === 0 ? partOfMessage(structure, n) : partBelow(part!, n);
    if (part === undefined) return undefined;
  }
  const found = part!;
  const inner = found.message?.root;
  return {
    part: found,
    mime: { start: found.headerStart, end: found.headerEnd },
    body: { start: found.bodyStart, end: found.bodyEnd },
    ...(inner === undefined
      ? {}
      : { header: { start: inner.headerStart, end: inner.headerEnd }, text: { start: inner.bodyStart, end: inner.bodyEnd } }),
  };
}
