// TLS for a mail listener: the certificate files read once (served to clients
// without SNI), and a context source that follows the files when the admin
// replaces them, so new connections get the new certificate. Shared by the
// IMAP, POP3 and SMTP services.

import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger, TlsFiles } from '../supervisor/service.ts';
import { loadTlsContext } from './tls.ts';

export interface ListenerTls {
  /** The key and certificate as read at load time, for clients that send no SNI. */
  readonly key: Buffer;
  readonly cert: Buffer;
  /** The context made from the files as last read successfully. */
  current(): tls.SecureContext;
  /** Options for an implicit-TLS server; a replaced certificate applies to new connections. */
  serverOptions(): tls.TlsOptions;
  /** Upgrade a plain socket after STARTTLS/STLS with the current certificate. */
  upgrade(socket: net.Socket): tls.TLSSocket;
  /** Stop following the files. */
  close(): void;
}

/** Load the listener's certificate; throws when the files cannot be read. */
export async function loadListenerTls(files: TlsFiles, log: Logger): Promise<ListenerTls> {
  const [key, cert] = await Promise.all([readFile(files.keyPath), readFile(files.certPath)]);
  const source = await loadTlsContext(files, { log });
  return {
    key,
    cert,
    current: () => source.current(),
    serverOptions: () => ({
      key,
      cert,
      // SNICallback looks the context up per handshake, so a replaced certificate applies to new connections.
      SNICallback: (_name: string, cb: (error: Error | null, context?: tls.SecureContext) => void) => cb(null, source.current()),
    }),
    upgrade: (socket) => new tls.TLSSocket(socket, { isServer: true, secureContext: source.current() }),
    close: () => source.close(),
  };
}
