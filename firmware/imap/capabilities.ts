// The CAPABILITY list for a session. A capability is listed only once the
// commands that implement it are registered; the list depends on the state
// (AUTH= and STARTTLS before login) and on whether the connection is secure.

import type { ImapDeps } from './commands/types.ts';
import type { Session } from './session.ts';

/** Extensions implemented for authenticated sessions, in the order advertised. */
const AUTHENTICATED_EXTENSIONS = [
  'LITERAL+',
  'ID',
  'ENABLE',
  'IDLE',
  'NAMESPACE',
  'UNSELECT',
  'UIDPLUS',
  'MOVE',
  'CONDSTORE',
  'QRESYNC',
  'ESEARCH',
  'BINARY',
  'SORT',
  'SORT=DISPLAY',
  'COMPRESS=DEFLATE',
  'CHILDREN',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'SPECIAL-USE',
  'CREATE-SPECIAL-USE',
  'XLIST',
  'QUOTA',
  'QUOTA=RES-STORAGE',
] as const;

export function capabilityList(session: Session, deps: ImapDeps): string[] {
  const caps = ['IMAP4rev1'];
  if (session.state === 'not-authenticated') {
    if (!session.secure && deps.startTls !== undefined) caps.push('STARTTLS');
    if (session.secure || deps.allowInsecureAuth(session.remoteAddress)) caps.push('AUTH=PLAIN', 'SASL-IR');
    else caps.push('LOGINDISABLED');
    caps.push('LITERAL+', 'ID', 'ENABLE');
    return caps;
  }
  caps.push(...AUTHENTICATED_EXTENSIONS, `APPENDLIMIT=${deps.maxMessageBytes}`);
  return caps;
}
