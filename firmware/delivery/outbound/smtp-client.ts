// One SMTP transaction to one host with nodemailer's SMTP client, turned into
// per-recipient results. A failure before the envelope (connect, greeting,
// TLS, AUTH) is a "session" failure: the caller tries the next host. Once
// MAIL FROM went out, the answer is final for this attempt, so a message is
// never handed to two hosts in one run (a lost connection after DATA may
// already have delivered it).

import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { localResult, oneLine, type RecipientResult, resultFromReply } from './reply.ts';

export type ClientTlsMode = 'opportunistic' | 'implicit' | 'required' | 'none';

export interface ClientTimeouts {
  /** TCP (and implicit TLS) connect. */
  readonly connectMs: number;
  /** Wait for the 220 greeting. */
  readonly greetingMs: number;
  /** Inactivity at any later point (a reply to DATA included). */
  readonly socketMs: number;
}

export const DEFAULT_CLIENT_TIMEOUTS: ClientTimeouts = Object.freeze({ connectMs: 30_000, greetingMs: 60_000, socketMs: 300_000 });

export interface HostTarget {
  /** Address (or name) to connect to. */
  readonly host: string;
  readonly port: number;
  /** The published host name: SNI, the log and the DSN's Remote-MTA. */
  readonly name: string;
  readonly tlsMode: ClientTlsMode;
  /** Extra TLS options (a CA for a private smarthost, or verification off for opportunistic TLS). */
  readonly tls?: ConnectionOptions;
  readonly auth?: { readonly user: string; readonly pass: string };
}

export interface ClientOptions {
  /** Our name in EHLO. */
  readonly heloName: string;
  readonly timeouts: ClientTimeouts;
  /** Track open connections so stop() can cut them; returns the untrack function. */
  readonly track?: (close: () => void) => () => void;
}

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
}

/** The message to send: read afresh for every transaction (a stream is consumed by one). */
export interface MessageSource {
  readonly size: number;
  /** Has bytes over 0x7f: declare BODY=8BITMIME where the server offers it. */
  readonly eightBit: boolean;
  /** The bytes (CRLF line ends, not dot-stuffed), as a buffer or a fresh stream for one transaction. */
  open(): Buffer | Readable;
}

/** A source over bytes already in memory. */
export function bufferSource(body: Buffer): MessageSource {
  return { size: body.length, eightBit: body.some((b) => b > 0x7f), open: () => body };
}

export type HostAttempt =
  /** Nothing was sent: try the next host (or retry later). */
  | { readonly kind: 'session-failed'; readonly detail: string; readonly reply?: string }
  /** The transaction ran: one result per envelope recipient. */
  | { readonly kind: 'done'; readonly results: readonly RecipientResult[]; readonly secure: boolean };

interface NodemailerErrorLike {
  readonly message: string;
  readonly code?: string;
  readonly response?: string;
  readonly responseCode?: number;
  readonly command?: string;
  readonly recipient?: string;
  readonly rejectedErrors?: readonly NodemailerErrorLike[];
}

function asNmError(err: unknown): NodemailerErrorLike {
  if (err instanceof Error) return err as NodemailerErrorLike;
  return { message: String(err) };
}

function connectionOptions(target: HostTarget, options: ClientOptions): SMTPConnection.Options {
  const tls: ConnectionOptions = { ...(target.tls ?? {}) };
  // SNI and certificate checks use the published name, never the address we connect to.
  if (!/^[\d.]+$/.test(target.name) && !target.name.includes(':')) tls.servername = target.name;
  return {
    host: target.host,
    port: target.port,
    name: options.heloName,
    secure: target.tlsMode === 'implicit',
    requireTLS: target.tlsMode === 'required',
    ignoreTLS: target.tlsMode === 'none',
    opportunisticTLS: target.tlsMode === 'opportunistic',
    connectionTimeout: options.timeouts.connectMs,
    greetingTimeout: options.timeouts.greetingMs,
    socketTimeout: options.timeouts.socketMs,
    dnsTimeout: options.timeouts.connectMs,
    logger: false,
    tls,
  };
}

function describe(err: NodemailerErrorLike): string {
  return oneLine(err.response ?? err.message);
}

/** Map a send() failure that happened after the session was up onto every recipient. */
function resultsFromSendError(err: NodemailerErrorLike, to: readonly string[], remoteMta: string): RecipientResult[] {
  const rejected = new Map<string, NodemailerErrorLike>();
  for (const r of err.rejectedErrors ?? []) if (r.recipient !== undefined) rejected.set(r.recipient.toLowerCase(), r);
  return to.map((address) => {
    const own = rejected.get(address.toLowerCase());
    if (own?.response !== undefined) return resultFromReply(address, own.response, remoteMta);
    if (err.response !== undefined && err.responseCode !== undefined) return resultFromReply(address, err.response, remoteMta);
    // The server's advertised SIZE is smaller than the message: it will never fit there.
    if (err.code === 'EMESSAGE' && /larger than allowed/i.test(err.message)) {
      return { ...localResult(address, 'permanent', 552, '5.3.4', `Message too big for ${remoteMta}: ${describe(err)}`), remoteMta };
    }
    // No reply to go by (connection lost, timeout): try again later.
    return { ...localResult(address, 'temporary', 451, '4.4.2', `${remoteMta}: ${describe(err)}`), remoteMta };
  });
}

function resultsFromInfo(info: SMTPConnection.SentMessageInfo, to: readonly string[], remoteMta: string): RecipientResult[] {
  const rejected = new Map<string, NodemailerErrorLike>();
  for (const r of (info.rejectedErrors ?? []) as NodemailerErrorLike[])
    if (r.recipient !== undefined) rejected.set(r.recipient.toLowerCase(), r);
  const accepted = new Set(info.accepted.map((a) => a.toLowerCase()));
  return to.map((address) => {
    const own = rejected.get(address.toLowerCase());
    if (own !== undefined) return resultFromReply(address, own.response ?? `451 4.0.0 ${describe(own)}`, remoteMta);
    if (accepted.has(address.toLowerCase())) return resultFromReply(address, info.response, remoteMta);
    return { ...localResult(address, 'temporary', 451, '4.0.0', `${remoteMta}: recipient not confirmed`), remoteMta };
  });
}

/** Run one transaction against one host. Never rejects. */
export function sendViaHost(target: HostTarget, envelope: Envelope, message: MessageSource, options: ClientOptions): Promise<HostAttempt> {
  return new Promise<HostAttempt>((resolve) => {
    const conn = new SMTPConnection(connectionOptions(target, options));
    let settled = false;
    let stage: 'session' | 'send' = 'session';
    let body: Buffer | Readable | undefined;
    const untrack = options.track?.(() => conn.close()) ?? (() => {});
    const finish = (attempt: HostAttempt) => {
      if (settled) return;
      settled = true;
      untrack();
      // A stream that was refused before DATA is never read: close its file now, not at GC.
      if (body !== undefined && !Buffer.isBuffer(body)) body.destroy();
      if (attempt.kind === 'done') conn.quit();
      else conn.close();
      resolve(attempt);
    };
    const fail = (err: unknown) => {
      const e = asNmError(err);
      if (stage === 'session') {
        finish(
          e.response === undefined
            ? { kind: 'session-failed', detail: describe(e) }
            : { kind: 'session-failed', detail: describe(e), reply: oneLine(e.response) },
        );
      } else {
        finish({ kind: 'done', results: resultsFromSendError(e, envelope.to, target.name), secure: conn.secure });
      }
    };
    // An 'error' event without a listener would crash the worker.
    conn.on('error', fail);
    // 'end' comes first when the server closes after a reply (a 421); give the
    // callback that carries that reply the chance to settle the attempt.
    conn.once('end', () => setImmediate(() => fail(new Error('connection closed'))));
    const send = () => {
      stage = 'send';
      const smtpEnvelope: SMTPConnection.Envelope = {
        from: envelope.from,
        to: [...envelope.to],
        size: message.size,
        use8BitMime: message.eightBit,
      };
      body = message.open();
      conn.send(smtpEnvelope, body, (err, info) => {
        if (err || !info) fail(err ?? new Error('no result'));
        else finish({ kind: 'done', results: resultsFromInfo(info, envelope.to, target.name), secure: conn.secure });
      });
    };
    conn.connect((err) => {
      if (err) return fail(err);
      if (target.auth === undefined) return send();
      conn.login({ user: target.auth.user, pass: target.auth.pass }, (loginErr) => {
        if (loginErr) return fail(loginErr);
        send();
      });
    });
  });
}
