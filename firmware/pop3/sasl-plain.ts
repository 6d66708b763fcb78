// SASL PLAIN (RFC 4616) as POP3 AUTH carries it (RFC 5034): base64 of
// authzid NUL authcid NUL password. Pure, so it is tested without a socket.

import { Pop3SyntaxError } from './parser.ts';

export interface PlainCredentials {
  readonly authzid: string;
  readonly authcid: string;
  readonly password: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decode a client response; `=` is the empty initial response (RFC 5034 4). Throws Pop3SyntaxError. */
export function decodePlain(response: string): PlainCredentials {
  const text = response === '=' ? '' : response;
  if (!BASE64.test(text)) throw new Pop3SyntaxError('Invalid base64');
  const parts = Buffer.from(text, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3) throw new Pop3SyntaxError('Invalid PLAIN response');
  const [authzid, authcid, password] = parts as [string, string, string];
  if (authcid === '') throw new Pop3SyntaxError('Invalid PLAIN response');
  return { authzid, authcid, password };
}
