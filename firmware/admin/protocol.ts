// The admin socket speaks JSON lines: one request object per line, one
// response per request, matched by id. Errors travel as catalogue codes so the
// CLI can turn them back into PochtaError and pick its exit code.

import { type ErrorCode, errorCodeOf, PochtaError } from '../errors.ts';

export interface AdminRequest {
  readonly id: number;
  readonly action: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export type AdminResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly code: ErrorCode; readonly message: string } };

/** Longest request line accepted; admin requests are small, so anything bigger is a mistake or abuse. */
export const MAX_LINE_BYTES = 1024 * 1024;

export function parseRequest(line: string): AdminRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, action, params } = value as Record<string, unknown>;
  if (typeof id !== 'number' || typeof action !== 'string') return undefined;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return undefined;
  return { id, action, ...(params !== undefined ? { params: params as Record<string, unknown> } : {}) };
}

/** The wire form of a failure. The admin is trusted, so the detail is sent, never a stack. */
export function errorResponse(id: number, err: unknown): AdminResponse {
  const code = errorCodeOf(err);
  const message = err instanceof PochtaError ? err.detail : code === 'INTERNAL' ? 'internal error (see the daemon log)' : String(err);
  return { id, ok: false, error: { code, message } };
}

export function responseError(response: Extract<AdminResponse, { ok: false }>): PochtaError {
  return new PochtaError(response.error.code, response.error.message);
}
