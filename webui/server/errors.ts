// One place that turns failures into the API's error shape
// `{ error: { code, field?, message } }` with its HTTP status. Admin actions
// name the input at fault as a "field: message" prefix; fastify's schema
// validation names it by path; routes may name a default field per code.

import { ERRORS } from '../../firmware/errors.ts';
import type { ApiError } from '../api-types.ts';

/** A failure the web layer raises itself. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

const STATUS: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  INVALID_ADDRESS: 400,
  INVALID_DOMAIN: 400,
  INVALID_NAME: 400,
  INVALID_ARGUMENT: 400,
  WEAK_PASSWORD: 400,
  BAD_SETTING: 400,
  UNKNOWN_SETTING: 400,
  UNAUTHENTICATED: 401,
  AUTH_FAILED: 401,
  ACCOUNT_DISABLED: 403,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  PRESENCE_REQUIRED: 403,
  NOT_FOUND: 404,
  UNKNOWN_USER: 404,
  UNKNOWN_DOMAIN: 404,
  ALREADY_EXISTS: 409,
  DOMAIN_IN_USE: 409,
  SETUP_REQUIRED: 409,
  SETUP_DONE: 409,
  PRESENCE_PENDING: 409,
  MAILBOX_IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  AUTH_THROTTLED: 429,
  DAEMON_NOT_RUNNING: 503,
  STORE_CLOSED: 503,
  DISK_FULL: 507,
};

/** Which input a code points at when the message does not say (per route). */
export type FieldHints = Readonly<Partial<Record<string, string>>>;

// `relay.smarthost.port: ...`, `relay.trustedNetworks[1]: ...` (list items become `.1`).
const FIELD_PREFIX = /^([A-Za-z][\w-]*(?:\.[\w-]+|\[\d+\])*): (.*)$/s;

export interface MappedError {
  readonly status: number;
  readonly body: ApiError;
}

/** Map any thrown value to a status and body. Unknown failures are 500 INTERNAL with a generic message. */
export function toApiError(err: unknown, hints: FieldHints = {}): MappedError {
  if (err instanceof ApiFailure) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } } };
  }
  const e = err as { code?: unknown; detail?: unknown; message?: unknown; statusCode?: unknown; validation?: unknown };
  if (Array.isArray(e?.validation)) return validationError(e.validation as ValidationItem[], String(e.message ?? 'invalid request'));
  if (
    typeof e?.statusCode === 'number' &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    typeof e.code === 'string' &&
    e.code.startsWith('FST_')
  ) {
    // fastify's own (body too large, bad JSON, wrong content type).
    const code = e.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    return { status: e.statusCode, body: { error: { code, message: String(e.message ?? 'bad request') } } };
  }
  const code = typeof e?.code === 'string' && (e.code in ERRORS || e.code in STATUS) ? e.code : 'INTERNAL';
  if (code === 'INTERNAL') {
    return {
      status: 500,
      body: { error: { code, message: 'Something went wrong inside the box. Try again; if it keeps happening, look at the log.' } },
    };
  }
  const text = typeof e.detail === 'string' ? e.detail : typeof e.message === 'string' ? e.message : code;
  const match = FIELD_PREFIX.exec(text);
  const field = match ? match[1]!.replace(/\[(\d+)\]/g, '.$1') : hints[code];
  const message = match ? (match[2] ?? text) : text;
  return { status: STATUS[code] ?? 400, body: { error: { code, message: sentence(message), ...(field ? { field } : {}) } } };
}

interface ValidationItem {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly params?: { readonly missingProperty?: string; readonly additionalProperty?: string };
  readonly message?: string;
}

function validationError(items: readonly ValidationItem[], fallback: string): MappedError {
  const first = items[0];
  const path = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const extra = first?.params?.missingProperty ?? first?.params?.additionalProperty;
  const field = [path, extra].filter((p) => p !== undefined && p !== '').join('.');
  let message = first?.message ?? fallback;
  if (first?.keyword === 'required') message = 'This is required.';
  else if (first?.keyword === 'additionalProperties') message = 'This is not a known input.';
  const out =
    field === '' ? { code: 'BAD_REQUEST', message: sentence(message) } : { code: 'BAD_REQUEST', field, message: sentence(message) };
  return { status: 400, body: { error: out } };
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  return t[0]!.toUpperCase() + t.slice(1);
}
