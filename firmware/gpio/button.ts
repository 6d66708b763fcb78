// The button: raw edges debounced, presses classified by how long they were
// held. Short (< 2 s) confirms a waiting physical-presence request; held for
// the long-press time (10 s) it fires the factory reset while still held (the
// LEDs count down meanwhile); anything in between is ignored, so letting go
// during the countdown is how a user cancels.

import { type Logger, realTimers, type Timers } from '../supervisor/index.ts';
import type { Board, ButtonEdge } from './board.ts';

export type PressKind = 'short' | 'long' | 'ignored';

export interface ButtonOptions {
  readonly now?: () => number;
  readonly timers?: Timers;
  /** A level must hold this long to count (contact bounce); default 50 ms. */
  readonly debounceMs?: number;
  /** A press released before this is short; default 2 s. */
  readonly shortMaxMs?: number;
  /** Held this long, the factory reset fires; default 10 s. */
  readonly longPressMs?: number;
  /** Reset admin credentials and network settings (never mail): wired by the composition root. */
  readonly onFactoryReset?: () => void | Promise<void>;
  /** Called whenever what the LEDs should show may have changed (hold began or ended, presence asked or settled). */
  readonly onChange?: () => void;
  readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface Button {
  /** Feed one raw edge with its time; attached to the board's onButton by createButton. */
  edge(edge: ButtonEdge, at: number): void;
  /**
   * Ask the person at the box to press the button: resolves true on a short
   * press within `timeoutMs`, false when the time runs out or the button is
   * closed. One short press answers every request waiting at that moment.
   */
  requestPresence(timeoutMs: number): Promise<boolean>;
  presencePending(): boolean;
  /** Since when the (debounced) button is held; undefined when released. */
  heldSince(): number | undefined;
  /** When the last factory reset fired; undefined if none. */
  resetAt(): number | undefined;
  readonly longPressMs: number;
  /** Every classified press, after debouncing. */
  onPress(cb: (kind: PressKind, heldMs: number) => void): () => void;
  /** Detach from the board, settle waiting requests with false, drop timers. */
  close(): void;
}

export function createButton(board: Pick<Board, 'onButton'> | undefined, options: ButtonOptions = {}): Button {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const debounceMs = options.debounceMs ?? 50;
  const shortMaxMs = options.shortMaxMs ?? 2000;
  const longPressMs = options.longPressMs ?? 10_000;
  const changed = (): void => options.onChange?.();

  let down = false; // the debounced level
  let candidate: { down: boolean; at: number } | undefined;
  let debounceTimer: unknown;
  let longTimer: unknown;
  let heldSince: number | undefined;
  let longFired = false;
  let resetAt: number | undefined;
  let closed = false;
  const presence = new Set<{ resolve: (ok: boolean) => void; timer: unknown }>();
  const pressListeners = new Set<(kind: PressKind, heldMs: number) => void>();

  const pressed = (kind: PressKind, heldMs: number): void => {
    options.log?.info({ press: kind, heldMs }, `button: ${kind} press`);
    for (const cb of [...pressListeners]) cb(kind, heldMs);
  };

  const settlePresence = (ok: boolean): void => {
    for (const entry of presence) {
      timers.clearTimeout(entry.timer);
      entry.resolve(ok);
    }
    presence.clear();
  };

  const fireLong = (): void => {
    longTimer = undefined;
    if (!down || closed) return;
    longFired = true;
    resetAt = now();
    pressed('long', resetAt - (heldSince ?? resetAt));
    options.log?.warn({}, 'button held for the long-press time: factory reset of admin credentials and network settings');
    try {
      void Promise.resolve(options.onFactoryReset?.()).catch((err: unknown) => options.log?.error({ err }, 'factory reset failed'));
    } catch (err) {
      options.log?.error({ err }, 'factory reset failed');
    }
    changed();
  };

  const commit = (level: boolean, at: number): void => {
    down = level;
    if (level) {
      heldSince = at;
      longFired = false;
      longTimer = timers.setTimeout(fireLong, Math.max(0, at + longPressMs - now()));
    } else {
      if (longTimer !== undefined) timers.clearTimeout(longTimer);
      longTimer = undefined;
      const heldMs = at - (heldSince ?? at);
      heldSince = undefined;
      if (!longFired) {
        if (heldMs < shortMaxMs) {
          pressed('short', heldMs);
          settlePresence(true);
        } else {
          pressed('ignored', heldMs);
        }
      }
    }
    changed();
  };

  const button: Button = {
    longPressMs,
    edge(edge, at) {
      if (closed) return;
      const level = edge === 'down';
      if (debounceTimer !== undefined) timers.clearTimeout(debounceTimer);
      debounceTimer = undefined;
      if (level === down) {
        // Bounced back before settling: the earlier edge was noise.
        candidate = undefined;
        return;
      }
      candidate = { down: level, at };
      debounceTimer = timers.setTimeout(
        () => {
          debounceTimer = undefined;
          const c = candidate;
          candidate = undefined;
          if (c && c.down !== down) commit(c.down, c.at);
        },
        Math.max(0, at + debounceMs - now()),
      );
    },
    requestPresence(timeoutMs) {
      if (closed) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const entry = {
          resolve,
          timer: timers.setTimeout(() => {
            presence.delete(entry);
            resolve(false);
            changed();
          }, timeoutMs),
        };
        presence.add(entry);
        changed();
      });
    },
    presencePending: () => presence.size > 0,
    heldSince: () => heldSince,
    resetAt: () => resetAt,
    onPress(cb) {
      pressListeners.add(cb);
      return () => {
        pressListeners.delete(cb);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe?.();
      if (debounceTimer !== undefined) timers.clearTimeout(debounceTimer);
      if (longTimer !== undefined) timers.clearTimeout(longTimer);
      settlePresence(false);
      pressListeners.clear();
    },
  };
  const unsubscribe = board?.onButton((edge, at) => button.edge(edge, at));
  return button;
}
