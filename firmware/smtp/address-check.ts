// Envelope address checks before any lookup. smtp-server already drops RFC 5321
// source routes (@relay:user@host -> user@host, which the relay rules then
// judge by its real domain) and refuses quoted local parts with '@'; what is
// left of the classic open-relay tricks is refused here: the percent hack
// (user%other@local), bang paths (other!user@local), a second '@', and
// address literals, all of which some MTA downstream might route off-box.

export type AddressProblem = 'relay-trick' | 'syntax';

/** Lower-case an envelope address (the whole address: our domains are ASCII and our local parts case-insensitive). */
export function normalizeEnvelopeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** Why a recipient address must be refused before routing, or undefined when it may be routed. */
export function recipientProblem(address: string): AddressProblem | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'syntax';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.includes('@') || local.includes('%') || local.includes('!') || local.includes(':')) return 'relay-trick';
  if (local.startsWith('"') || local.includes('\\')) return 'relay-trick';
  if (domain.startsWith('[') || domain.includes(':')) return 'relay-trick';
  // Letters of any script: SMTPUTF8 clients may send U-labels.
  if (!/^[\p{L}\p{N}.-]+$/u.test(domain)) return 'syntax';
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) return 'syntax';
  return undefined;
}
