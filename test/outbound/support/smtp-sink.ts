// A receiving SMTP server for outbound tests (smtp-server on loopback): it
// records every message it accepts, and each test decides per recipient or
// per message what to answer, to play a remote MX or an ISP smarthost.

import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMessage {
  readonly from: string;
  readonly to: string[];
  readonly body: Buffer;
  readonly secure: boolean;
  readonly user?: string;
  readonly host: string;
}

export interface SinkOptions {
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
  /** Offer STARTTLS with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** TLS from the first byte (like port 465). */
  readonly secure?: boolean;
  /** Require AUTH with these credentials (only over TLS). */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Advertise SIZE with this limit (bytes). */
  readonly size?: number;
  /** Answer for RCPT TO: undefined accepts, a string such as "550 5.1.1 No such user" refuses. */
  readonly onRcpt?: (address: string) => string | undefined;
  /** Answer for the end of DATA: undefined accepts. */
  readonly onData?: (from: string, to: readonly string[]) => string | undefined;
}

function smtpError(reply: string): Error {
  const m = /^(\d{3}) (.*)$/.exec(reply);
  return Object.assign(new Error(m?.[2] ?? reply), { responseCode: Number(m?.[1] ?? 550) });
}

export class SmtpSink {
  readonly received: ReceivedMessage[] = [];
  /** Every RCPT TO seen, accepted or not. */
  readonly rcpts: string[] = [];
  connections = 0;
  readonly host: string;
  #port = 0;
  readonly #server: SMTPServer;

  private constructor(host: string, server: SMTPServer) {
    this.host = host;
    this.#server = server;
  }

  get port(): number {
    return this.#port;
  }

  static async start(options: SinkOptions = {}): Promise<SmtpSink> {
    const host = options.host ?? '127.0.0.1';
    let sink: SmtpSink | undefined;
    const serverOptions: SMTPServerOptions = {
      logger: false,
      disableReverseLookup: true,
      authOptional: options.auth === undefined,
      disabledCommands: options.auth === undefined ? ['AUTH'] : [],
      allowInsecureAuth: false,
      secure: options.secure === true,
      hideSTARTTLS: options.tls === undefined,
      ...(options.size === undefined ? {} : { size: options.size }),
      ...(options.tls === undefined ? {} : { key: options.tls.key, cert: options.tls.cert }),
      onConnect(_session, callback) {
        if (sink) sink.connections++;
        callback();
      },
      onAuth(auth, _session, callback) {
        const ok = options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.pass;
        if (!ok) return callback(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
        callback(null, { user: auth.username });
      },
      onRcptTo(address, _session, callback) {
        sink?.rcpts.push(address.address);
        const reply = options.onRcpt?.(address.address);
        callback(reply === undefined ? undefined : smtpError(reply));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
          const to = session.envelope.rcptTo.map((r) => r.address);
          const reply = options.onData?.(from, to);
          if (reply !== undefined) return callback(smtpError(reply));
          const user = typeof session.user === 'string' ? session.user : undefined;
          sink?.received.push({
            from,
            to,
            body: Buffer.concat(chunks),
            secure: session.secure,
            host,
            ...(user === undefined ? {} : { user }),
          });
          callback(null, '2.0.0 Queued');
        });
      },
    };
    const server = new SMTPServer(serverOptions);
    server.on('error', () => {});
    sink = new SmtpSink(host, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const address = server.server.address();
    sink.#port = typeof address === 'object' && address !== null ? address.port : 0;
    return sink;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Start one sink per host, all on the same port (remote MX hosts share port 25; here a free port). */
export async function startSinksOnOnePort(
  hosts: readonly string[],
  options: (host: string) => SinkOptions = () => ({}),
): Promise<SmtpSink[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await SmtpSink.start({ ...options(hosts[0] ?? '127.0.0.1'), host: hosts[0] ?? '127.0.0.1', port: 0 });
    const sinks = [first];
    try {
      for (const host of hosts.slice(1)) sinks.push(await SmtpSink.start({ ...options(host), host, port: first.port }));
      return sinks;
    } catch {
      await Promise.all(sinks.map((s) => s.close()));
    }
  }
  throw new Error('could not bind sinks on one port');
}
