// One catalogue of stable error codes for the whole project. Each protocol maps
// a code to its own reply in one place (smtp/replies.ts, imap/responses.ts,
// pop3/replies.ts, webui error handler); the text here is what a client may see,
// the detail goes to the log only.

export interface ErrorSpec {
  /** SMTP basic status code the error maps to. */
  readonly smtp: number;
  /** RFC 3463 enhanced status code. */
  readonly enhanced: string;
  /** Generic text safe to show to a client. */
  readonly text: string;
  /** A temporary failure: the client may retry later (4xx / NO [UNAVAILABLE]). */
  readonly temporary: boolean;
}

export const ERRORS = {
  // store
  NOT_FOUND: { smtp: 550, enhanced: '5.1.1', text: 'No such item', temporary: false },
  ALREADY_EXISTS: { smtp: 550, enhanced: '5.1.0', text: 'Already exists', temporary: false },
  INVALID_ADDRESS: { smtp: 553, enhanced: '5.1.3', text: 'Invalid address', temporary: false },
  INVALID_DOMAIN: { smtp: 553, enhanced: '5.1.2', text: 'Invalid domain', temporary: false },
  INVALID_NAME: { smtp: 501, enhanced: '5.5.4', text: 'Invalid name', temporary: false },
  INVALID_ARGUMENT: { smtp: 501, enhanced: '5.5.4', text: 'Invalid argument', temporary: false },
  WEAK_PASSWORD: { smtp: 535, enhanced: '5.7.8', text: 'Password too weak', temporary: false },
  UNKNOWN_DOMAIN: { smtp: 550, enhanced: '5.1.2', text: 'Unknown domain', temporary: false },
  UNKNOWN_USER: { smtp: 550, enhanced: '5.1.1', text: 'No such user here', temporary: false },
  DOMAIN_IN_USE: { smtp: 550, enhanced: '5.1.0', text: 'Domain still has users or aliases', temporary: false },
  MAILBOX_IN_USE: { smtp: 450, enhanced: '4.2.1', text: 'Mailbox is in use', temporary: true },
  CANNOT_DELETE_SPECIAL: { smtp: 550, enhanced: '5.2.0', text: 'That folder cannot be deleted', temporary: false },
  OVER_QUOTA: { smtp: 452, enhanced: '4.2.2', text: 'Mailbox full', temporary: true },
  MODIFIED: { smtp: 450, enhanced: '4.2.0', text: 'Modified since', temporary: true },
  ACCOUNT_DISABLED: { smtp: 550, enhanced: '5.2.1', text: 'Account disabled', temporary: false },
  AUTH_FAILED: { smtp: 535, enhanced: '5.7.8', text: 'Authentication credentials invalid', temporary: false },
  AUTH_THROTTLED: { smtp: 454, enhanced: '4.7.0', text: 'Too many failed attempts, try later', temporary: true },
  STORAGE_FAILURE: { smtp: 451, enhanced: '4.3.0', text: 'Temporary storage failure', temporary: true },
  DISK_FULL: { smtp: 452, enhanced: '4.3.1', text: 'Insufficient system storage', temporary: true },
  STORE_CLOSED: { smtp: 421, enhanced: '4.3.2', text: 'Service shutting down', temporary: true },
  SCHEMA_TOO_NEW: { smtp: 451, enhanced: '4.3.5', text: 'Data written by a newer version', temporary: true },
  // config and admin
  BAD_CONFIG: { smtp: 451, enhanced: '4.3.5', text: 'Bad configuration', temporary: true },
  BAD_SETTING: { smtp: 501, enhanced: '5.5.4', text: 'Invalid setting value', temporary: false },
  UNKNOWN_SETTING: { smtp: 501, enhanced: '5.5.4', text: 'Unknown setting', temporary: false },
  DAEMON_NOT_RUNNING: { smtp: 421, enhanced: '4.3.2', text: 'Daemon is not running', temporary: true },
  DAEMON_RUNNING: { smtp: 451, enhanced: '4.3.0', text: 'Daemon is running; stop it first', temporary: true },
  FORBIDDEN: { smtp: 550, enhanced: '5.7.1', text: 'Not allowed', temporary: false },
  // catch-all: anything unexpected is temporary ("a wrong guess is worse than no guess")
  INTERNAL: { smtp: 451, enhanced: '4.3.0', text: 'Internal error, try again later', temporary: true },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An expected failure with a stable code. `detail` is for the log (and the
 * admin CLI, which is trusted); protocol clients only ever see the catalogue text.
 */
export class PochtaError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? ERRORS[code].text, options);
    this.name = 'PochtaError';
    this.code = code;
    this.detail = detail ?? ERRORS[code].text;
  }
  get spec(): ErrorSpec {
    return ERRORS[this.code];
  }
  get temporary(): boolean {
    return ERRORS[this.code].temporary;
  }
}

/** What a protocol layer replies with: derived from any thrown value. */
export interface ReplyError {
  readonly code: ErrorCode;
  readonly smtp: number;
  readonly enhanced: string;
  readonly text: string;
  readonly temporary: boolean;
}

/** Turn any thrown value into a reply; unknown failures become INTERNAL (temporary). */
export function toReplyError(err: unknown): ReplyError {
  const code = errorCodeOf(err);
  const spec = ERRORS[code];
  return { code, smtp: spec.smtp, enhanced: spec.enhanced, text: spec.text, temporary: spec.temporary };
}

/** The stable code of a thrown value; recognises errors that crossed a MessagePort as plain objects. */
export function errorCodeOf(err: unknown): ErrorCode {
  if (err instanceof PochtaError) return err.code;
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code in ERRORS) return code as ErrorCode;
    if (code === 'ENOSPC' || code === 'EDQUOT') return 'DISK_FULL';
    if (code === 'EIO' || code === 'EROFS') return 'STORAGE_FAILURE';
  }
  return 'INTERNAL';
}

export function isPochtaError(err: unknown, code?: ErrorCode): err is PochtaError {
  return err instanceof PochtaError && (code === undefined || err.code === code);
}
