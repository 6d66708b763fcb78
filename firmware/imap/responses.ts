// The one place where failures become IMAP replies: a PochtaError code maps to
// NO with a response code (RFC 5530), a syntax error to BAD, anything else to
// NO [SERVERBUG] with the catalogue's generic text. Clients never see details.

import { ERRORS, type ErrorCode, errorCodeOf } from '../errors.ts';
import type { ImapValue, ResponseCode, ResponseCodeName } from './compiler.ts';
import { ImapSyntaxError } from './parser.ts';

/** How a command ended; the connection writes it as the tagged reply. */
export interface CommandResult {
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly code?: ResponseCode;
  readonly text: string;
  /** What the connection does once the tagged reply is written. */
  readonly after?: 'close' | 'starttls' | 'compress';
}

export function ok(text = 'Completed', code?: ResponseCode): CommandResult {
  return code === undefined ? { status: 'OK', text } : { status: 'OK', code, text };
}

export function no(text: string, code?: ResponseCode): CommandResult {
  return code === undefined ? { status: 'NO', text } : { status: 'NO', code, text };
}

export function bad(text: string, code?: ResponseCode): CommandResult {
  return code === undefined ? { status: 'BAD', text } : { status: 'BAD', code, text };
}

export function code(name: ResponseCodeName, ...args: ImapValue[]): ResponseCode {
  return args.length === 0 ? { name } : { name, args };
}

/** Response code for each catalogue error; undefined sends a plain NO. */
const ERROR_CODES: Record<ErrorCode, ResponseCodeName | undefined> = {
  NOT_FOUND: 'NONEXISTENT',
  ALREADY_EXISTS: 'ALREADYEXISTS',
  INVALID_ADDRESS: 'CANNOT',
  INVALID_DOMAIN: 'CANNOT',
  INVALID_NAME: 'CANNOT',
  INVALID_ARGUMENT: 'CANNOT',
  WEAK_PASSWORD: 'CANNOT',
  UNKNOWN_DOMAIN: 'CANNOT',
  UNKNOWN_USER: 'AUTHENTICATIONFAILED',
  DOMAIN_IN_USE: 'INUSE',
  MAILBOX_IN_USE: 'INUSE',
  CANNOT_DELETE_SPECIAL: 'CANNOT',
  OVER_QUOTA: 'OVERQUOTA',
  MODIFIED: undefined,
  // The same reply as a wrong password: a client must not learn which accounts exist.
  ACCOUNT_DISABLED: 'AUTHENTICATIONFAILED',
  AUTH_FAILED: 'AUTHENTICATIONFAILED',
  AUTH_THROTTLED: 'UNAVAILABLE',
  STORAGE_FAILURE: 'UNAVAILABLE',
  DISK_FULL: 'UNAVAILABLE',
  STORE_CLOSED: 'UNAVAILABLE',
  SCHEMA_TOO_NEW: 'UNAVAILABLE',
  BAD_CONFIG: 'UNAVAILABLE',
  BAD_SETTING: 'CANNOT',
  UNKNOWN_SETTING: 'CANNOT',
  DAEMON_NOT_RUNNING: 'UNAVAILABLE',
  DAEMON_RUNNING: 'UNAVAILABLE',
  FORBIDDEN: 'NOPERM',
  INTERNAL: 'SERVERBUG',
};

/** Turn anything a command threw into its tagged reply. */
export function resultFromError(err: unknown): CommandResult {
  if (err instanceof ImapSyntaxError) return bad(err.reason);
  const errorCode = errorCodeOf(err);
  const text = errorCode === 'ACCOUNT_DISABLED' ? ERRORS.AUTH_FAILED.text : ERRORS[errorCode].text;
  const name = ERROR_CODES[errorCode];
  return no(text, name === undefined ? undefined : { name });
}
