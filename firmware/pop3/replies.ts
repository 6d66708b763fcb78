// The pure POP3 response compiler and the one place where failures become
// replies: a PochtaError code maps to `-ERR [RESP-CODE] text` (RFC 2449
// section 8, RFC 3206), a syntax error to a plain -ERR, anything else to
// -ERR [SYS/TEMP] with the catalogue's generic text. Clients never see details.

import { ERRORS, type ErrorCode, errorCodeOf } from '../errors.ts';
import { Pop3SyntaxError } from './parser.ts';

/** RFC 2449 IN-USE and LOGIN-DELAY, RFC 3206 SYS/TEMP, SYS/PERM and AUTH. */
export type RespCode = 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM' | 'AUTH';

/** A multi-line body that is streamed (RETR, TOP): chunks already dot-stuffed, ending in CRLF. */
export interface StreamedBody {
  /** The whole encoded body when it is small enough to hold; the connection then writes it with its status line at once. */
  readonly whole?: Buffer;
  /** The chunks to send; called at most once. */
  open(): AsyncIterable<Buffer>;
  /** Release what the body holds when it will never be sent (the connection closed first). */
  discard(): void;
}

/** How a command ended; the connection writes it. */
export interface Reply {
  readonly ok: boolean;
  readonly text: string;
  readonly code?: RespCode;
  /** Multi-line response lines (LIST, UIDL, CAPA), without line ends; dot-stuffed here. */
  readonly lines?: readonly string[];
  /** Multi-line response body (RETR, TOP). */
  readonly body?: StreamedBody;
  /** What the connection does once the reply is written. */
  readonly after?: 'close' | 'stls';
}

export function ok(text = '', extra: Omit<Reply, 'ok' | 'text'> = {}): Reply {
  return { ok: true, text, ...extra };
}

export function err(text: string, code?: RespCode, extra: Omit<Reply, 'ok' | 'text' | 'code'> = {}): Reply {
  return code === undefined ? { ok: false, text, ...extra } : { ok: false, text, code, ...extra };
}

/** The status line of a reply, CRLF included. */
export function statusLine(reply: Pick<Reply, 'ok' | 'text' | 'code'>): string {
  const head = reply.ok ? '+OK' : '-ERR';
  const code = reply.code === undefined ? '' : `[${reply.code}]`;
  const parts = [head, code, sanitize(reply.text)].filter((part) => part !== '');
  return `${parts.join(' ')}\r\n`;
}

/** Status line plus dot-stuffed lines and the terminating dot, as one string. */
export function compileReply(reply: Reply): string {
  let out = statusLine(reply);
  if (reply.lines === undefined) return out;
  for (const line of reply.lines) out += `${line.startsWith('.') ? '.' : ''}${sanitize(line)}\r\n`;
  return `${out}.\r\n`;
}

/** The end of a multi-line response. */
export const TERMINATOR = '.\r\n';

/** A reply text must never break the framing: no CR or LF inside. */
function sanitize(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** Response code for each catalogue error; undefined sends a plain -ERR. */
const RESP_CODES: Record<ErrorCode, RespCode | undefined> = {
  NOT_FOUND: undefined,
  ALREADY_EXISTS: undefined,
  INVALID_ADDRESS: undefined,
  INVALID_DOMAIN: undefined,
  INVALID_NAME: undefined,
  INVALID_ARGUMENT: undefined,
  WEAK_PASSWORD: undefined,
  UNKNOWN_DOMAIN: 'AUTH',
  // The same reply as a wrong password: a client must not learn which accounts exist.
  UNKNOWN_USER: 'AUTH',
  DOMAIN_IN_USE: undefined,
  MAILBOX_IN_USE: 'IN-USE',
  CANNOT_DELETE_SPECIAL: undefined,
  OVER_QUOTA: 'SYS/TEMP',
  MODIFIED: 'SYS/TEMP',
  ACCOUNT_DISABLED: 'AUTH',
  AUTH_FAILED: 'AUTH',
  AUTH_THROTTLED: 'LOGIN-DELAY',
  STORAGE_FAILURE: 'SYS/TEMP',
  DISK_FULL: 'SYS/TEMP',
  STORE_CLOSED: 'SYS/TEMP',
  SCHEMA_TOO_NEW: 'SYS/TEMP',
  BAD_CONFIG: 'SYS/TEMP',
  BAD_SETTING: undefined,
  UNKNOWN_SETTING: undefined,
  DAEMON_NOT_RUNNING: 'SYS/TEMP',
  DAEMON_RUNNING: 'SYS/TEMP',
  FORBIDDEN: 'SYS/PERM',
  INTERNAL: 'SYS/TEMP',
};

/** Turn anything a command threw into its reply. */
export function replyFromError(error: unknown): Reply {
  if (error instanceof Pop3SyntaxError) return err(error.message);
  const code = errorCodeOf(error);
  const text = code === 'ACCOUNT_DISABLED' || code === 'UNKNOWN_USER' ? ERRORS.AUTH_FAILED.text : ERRORS[code].text;
  return err(text, RESP_CODES[code]);
}
