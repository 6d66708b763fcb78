// The Board seam: LEDs and the button by logical name. Drivers: `kernel`
// (LED class and gpio-keys devices of the pochta-leds / pochta-button overlays), `sysfs` (onoff on /sys/class/gpio) and `sim`.

import type { LedPattern } from './patterns.ts';
import type { LedName } from './pinmap.ts';

export type DriverName = 'kernel' | 'sysfs' | 'sim';
export type ButtonEdge = 'down' | 'up';

export interface LedView {
  readonly pattern: LedPattern;
  /** Whether the LED is lit right now (computed from the pattern's phase). */
  readonly lit: boolean;
}

/** What `pochta gpio state` and the web UI's front panel show. */
export interface BoardState {
  readonly driver: DriverName;
  readonly leds: Readonly<Record<LedName, LedView>>;
  readonly button: { readonly pressed: boolean };
  /** Why a better driver was not used (e.g. "not a Raspberry Pi"); absent when the choice was the first. */
  readonly reason?: string;
}

export interface Board {
  readonly driver: DriverName;
  /** Show a pattern on an LED from now on; the same pattern again changes nothing (no restart of its phase). */
  setLed(name: LedName, pattern: LedPattern): void;
  /** The pattern and momentary lit state of each LED. */
  ledState(): Readonly<Record<LedName, LedView>>;
  /** Everything a front panel view needs. */
  state(): BoardState;
  /**
   * Raw button edges (not debounced: button.ts does that), with the time on
   * the board's clock. Returns an unsubscribe function.
   */
  onButton(cb: (edge: ButtonEdge, at: number) => void): () => void;
  /** Release the pins and devices (LEDs are left off); idempotent. */
  close(): Promise<void>;
}

export type PressKind = 'short' | 'long';

/** The simulated board: the CLI and the web UI can press its button. Only ever a sim board has press(). */
export interface SimBoard extends Board {
  readonly driver: 'sim';
  /** Press and release: 'short' holds for 100 ms, 'long' for the long-press time plus 100 ms. Resolves after release. */
  press(kind: PressKind): Promise<void>;
  /** Hold the button down or let go, for tests and a web UI press-and-hold. */
  setButton(pressed: boolean): void;
}

export function isSimBoard(board: Board): board is SimBoard {
  return board.driver === 'sim';
}
