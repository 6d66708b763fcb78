// CAPA (RFC 2449): what the session can use right now. USER and SASL are
// listed only where a password may be sent (TLS, or dev mode on loopback),
// STLS only on a plain connection that can upgrade.

import type { Pop3Deps } from './commands/types.ts';
import type { Session } from './session.ts';

export function passwordAllowed(session: Session, deps: Pop3Deps): boolean {
  return session.secure || deps.allowInsecureAuth(session.remoteAddress);
}

export function capabilityList(session: Session, deps: Pop3Deps): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER'];
  if (session.state === 'authorization') {
    if (passwordAllowed(session, deps)) caps.push('USER', 'SASL PLAIN');
    if (!session.secure && deps.startTls !== undefined) caps.push('STLS');
  }
  caps.push('IMPLEMENTATION Pochta');
  return caps;
}
