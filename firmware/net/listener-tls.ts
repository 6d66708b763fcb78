// TLS for a mail listener: the certificate files read once (served to clients
// without SNI), and a context source that follows the files when the admin
// replaces them, so new connections get the new certificate. Shared by the
// IMAP, POP3 and SMTP services.

import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import tls from 'node:tls';
import { PochtaError } from '../errors.ts';
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

/**
 * Load the listener's certificate where TLS may be optional. Unreadable files
 * throw BAD_CONFIG when `implicitTls` (that port cannot run without them);
 * otherwise they are logged and undefined is returned, and the listener runs
 * without offering `upgradeCommand` (and so without logins, outside dev).
 */
export async function loadOptionalListenerTls(
  files: TlsFiles,
  log: Logger,
  options: { readonly implicitTls: boolean; readonly upgradeCommand: string },
): Promise<ListenerTls | undefined> {
  try {
    return await loadListenerTls(files, log);
  } catch (err) {
    if (options.implicitTls) throw new PochtaError('BAD_CONFIG', `TLS certificate unreadable: ${String(err)}`);
    log.warn({ err: String(err) }, `TLS certificate unreadable: ${options.upgradeCommand} not offered`);
    return undefined;
  }
}
