// TLS for the POP3 listeners: the certificate files read once for clients
// without SNI, and a context source that follows the files when they are
// replaced. The same steps sit inline in the IMAP service; both could move
// into firmware/net later.

import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import tls from 'node:tls';
import { loadTlsContext, type TlsContextSource } from '../net/tls.ts';
import type { Logger, TlsFiles } from '../supervisor/service.ts';

export interface ListenerTls {
  /** Options for an implicit-TLS server; a replaced certificate applies to new connections. */
  serverOptions(): tls.TlsOptions;
  /** Upgrade a plain socket after STLS with the current certificate. */
  upgrade(socket: net.Socket): tls.TLSSocket;
  /** Stop following the files. */
  close(): void;
}

/** Load the listener's certificate; throws when the files cannot be read. */
export async function loadListenerTls(files: TlsFiles, log: Logger): Promise<ListenerTls> {
  const [key, cert] = await Promise.all([readFile(files.keyPath), readFile(files.certPath)]);
  const source: TlsContextSource = await loadTlsContext(files, { log });
  return {
    serverOptions: () => ({
      key,
      cert,
      SNICallback: (_name: string, cb: (error: Error | null, context?: tls.SecureContext) => void) => cb(null, source.current()),
    }),
    upgrade: (socket) => new tls.TLSSocket(socket, { isServer: true, secureContext: source.current() }),
    close: () => source.close(),
  };
}
