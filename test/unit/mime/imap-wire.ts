// Test helper: writes an ImapValue the way an IMAP response would carry it,
// so expected BODYSTRUCTURE and ENVELOPE read like the RFC's examples.
import type { ImapValue } from '../../../firmware/mime/index.ts';

export function wire(value: ImapValue): string {
  if (value === null) return 'NIL';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `"${value.replace(/(["\\])/g, '\\$1')}"`;
  return `(${value.map(wire).join(' ')})`;
}
