// smtp-server with our enhanced status codes. smtp-server derives the
// enhanced code of a handler's error from its basic code alone (554 -> 5.6.0,
// 552 -> 5.2.2), where Pochta means 5.7.1 for a relay refusal and 5.3.4 for
// a message that is too big. Our replies (replies.ts) carry their own code at
// the start of the text; this connection sends those unchanged and leaves
// smtp-server's codes on everything else, so ENHANCEDSTATUSCODES can be
// advertised truthfully (RFC 2034: then every reply carries one).

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection';

const OWN_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

class PochtaConnection extends SMTPConnection {
  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    if (typeof data === 'string' && OWN_CODE.test(data)) super.send(code, data, false);
    else super.send(code, data, context);
  }
}

export class PochtaSmtpServer extends SMTPServer {
  // The same steps as SMTPServer.connect, with our connection class.
  override connect(socket: Socket | TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    const connection = new PochtaConnection(this, socket, socketOptions ?? undefined);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this.emit('error', err));
    connection.on('connect', (data: unknown) => this.emit('connect', data));
    connection.init();
  }
}
