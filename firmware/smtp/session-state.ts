// What Pochta remembers about one SMTP connection beside smtp-server's own
// session object, keyed by the session id smtp-server assigns.

import type { Settings } from '../config/settings.ts';
import type { AuthUser, ClientInfo, DeliveryTransaction } from '../delivery/target.ts';
import type { Logger } from '../supervisor/service.ts';
import type { Reply } from './replies.ts';

export interface SessionState {
  readonly id: string;
  readonly log: Logger;
  /** Settings as they were when the client connected; a change applies to the next connection. */
  readonly settings: Settings;
  /** The connection holds a slot in the connection counter (released on close). */
  counted: boolean;
  /** A blocklist listing to refuse at the first RCPT (dnsbl.rejectAt = rcpt). */
  listed?: Reply;
  /** The client's address is in relay.trustedNetworks. */
  trusted: boolean;
  user?: AuthUser;
  /** The current mail transaction, from MAIL FROM to the end of DATA. */
  tx?: DeliveryTransaction;
  messageId?: string;
  /** Messages accepted in this session (for the log line at close). */
  accepted: number;
}

export interface SessionClient {
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly clientHostname: string;
  readonly openingCommand: string | false;
  readonly hostNameAppearsAs: string | false;
  readonly secure: boolean;
  readonly tlsOptions: { readonly name?: string; readonly standardName?: string; readonly version?: string } | false;
}

/** The Received-header view of a session. */
export function clientInfo(session: SessionClient, listener: string): ClientInfo {
  const tls = session.tlsOptions || undefined;
  const info: {
    -readonly [K in keyof ClientInfo]: ClientInfo[K];
  } = {
    sessionId: session.id,
    listener,
    remoteAddress: session.remoteAddress,
    remotePort: session.remotePort,
    secure: session.secure,
    esmtp: session.openingCommand !== 'HELO',
  };
  if (session.clientHostname && !session.clientHostname.startsWith('[')) info.remoteHostname = session.clientHostname;
  if (session.hostNameAppearsAs) info.helo = session.hostNameAppearsAs;
  if (tls?.version) info.tlsProtocol = tls.version;
  if (tls?.standardName ?? tls?.name) info.tlsCipher = tls.standardName ?? tls.name;
  return info;
}
