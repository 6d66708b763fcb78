// Small pieces a line-protocol connection (IMAP, POP3) needs around its socket:
// one handler set moved between the plain socket and its TLS replacement, and
// an idle timer re-armed by every input.

import type { Socket } from 'node:net';
import type { SetTimer } from './tcp-listener.ts';

export interface SocketEvents {
  readonly data: (chunk: Buffer) => void;
  readonly close: () => void;
  readonly error: (error: Error) => void;
}

/** Subscribe the handlers to the socket; detachSocket with the same object takes exactly these off again. */
export function attachSocket(socket: Socket, events: SocketEvents): void {
  socket.on('data', events.data);
  socket.on('close', events.close);
  socket.on('error', events.error);
}

/** Remove the handlers attachSocket added (before swapping the socket for TLS, or once closed). */
export function detachSocket(socket: Socket, events: SocketEvents): void {
  socket.off('data', events.data);
  socket.off('close', events.close);
  socket.off('error', events.error);
}

export interface IdleTimer {
  /** (Re)start the countdown: `onIdle` runs once `ms` pass without another touch. */
  touch(): void;
  /** Stop the countdown; a later touch starts it again. */
  cancel(): void;
}

export function createIdleTimer(setTimer: SetTimer, ms: number, onIdle: () => void): IdleTimer {
  let cancel: (() => void) | undefined;
  return {
    touch() {
      cancel?.();
      cancel = setTimer(ms, onIdle);
    },
    cancel() {
      cancel?.();
      cancel = undefined;
    },
  };
}
