// The one place that speaks HTTP to the box. Every state-changing request
// carries the CSRF header; the session cookie is HttpOnly, so the app never
// sees it and only learns "signed in or not" from GET /api/session.
// Errors come back as {error:{code, field, message}} and become ApiFailure,
// which forms show next to the input named by `field`.

import type { ApiError } from '../../api-types.ts';
import { CSRF_ANONYMOUS, CSRF_HEADER } from '../../api-types.ts';

export class ApiFailure extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly status: number;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Api {
  /** GET a JSON resource; rejects with ApiFailure. */
  get<T>(path: string): Promise<T>;
  /** A state-changing request with an optional JSON body; rejects with ApiFailure. */
  send<T>(method: Method, path: string, body?: unknown): Promise<T>;
  /** POST raw bytes (a backup to restore) with extra headers; rejects with ApiFailure. */
  upload<T>(path: string, data: Blob, contentType: string, headers?: Readonly<Record<string, string>>): Promise<T>;
  /** Use this CSRF token from now on (undefined: signed out, use the anonymous value). */
  setCsrf(token: string | undefined): void;
  /** Called when the session is gone or setup is required again, so the app can show sign-in or the wizard. */
  onUnauthenticated(handler: () => void): void;
}

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** Plain words for failures that never reached the box's API. */
function networkFailure(err: unknown): ApiFailure {
  const detail = err instanceof Error ? err.message : String(err);
  return new ApiFailure(0, 'NETWORK', `The box did not answer (${detail}). Check that it is switched on and on the same network.`);
}

export function createApi(base = ''): Api {
  let csrf: string | undefined;
  let unauthenticated: () => void = () => {};

  async function request<T>(
    method: Method,
    path: string,
    body: BodyInit | undefined,
    contentType?: string,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (contentType) headers['content-type'] = contentType;
    if (method !== 'GET') headers[CSRF_HEADER] = csrf ?? CSRF_ANONYMOUS;
    let response: Response;
    try {
      response = await fetch(base + path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
    } catch (err) {
      throw networkFailure(err);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      if (isApiError(parsed)) {
        const code = parsed.error.code;
        // Signed out (session expired, daemon restarted) or the box was reset to first-boot setup.
        const lost = (code === 'UNAUTHENTICATED' || code === 'SETUP_REQUIRED') && !path.startsWith('/api/session');
        if (lost) unauthenticated();
        throw new ApiFailure(response.status, code, parsed.error.message, parsed.error.field);
      }
      throw new ApiFailure(response.status, `HTTP_${response.status}`, `The box answered ${response.status} ${response.statusText}.`);
    }
    // Answers that start or change a session (login, setup, recovery) carry its token: use it from now on.
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { csrfToken?: unknown }).csrfToken === 'string') {
      csrf = (parsed as { csrfToken: string }).csrfToken;
    }
    return parsed as T;
  }

  return {
    get: (path) => request('GET', path, undefined),
    send: (method, path, body) =>
      body === undefined ? request(method, path, undefined) : request(method, path, JSON.stringify(body), 'application/json'),
    upload: (path, data, contentType, headers) => request('POST', path, data, contentType, headers),
    setCsrf(token) {
      csrf = token;
    },
    onUnauthenticated(handler) {
      unauthenticated = handler;
    },
  };
}

/** Subscribe to server-sent events; returns a function that closes the stream. EventSource reconnects by itself. */
export function subscribe(
  path: string,
  handlers: Readonly<Record<string, (data: unknown) => void>>,
  onState?: (connected: boolean) => void,
): () => void {
  const source = new EventSource(path, { withCredentials: true });
  for (const [event, handler] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => {
      try {
        handler(JSON.parse((e as MessageEvent<string>).data));
      } catch {
        // A malformed event is skipped rather than breaking the page.
      }
    });
  }
  source.addEventListener('open', () => onState?.(true));
  source.addEventListener('error', () => onState?.(false));
  return () => source.close();
}
