// The whole front panel in one call for the composition root: a board (auto-
// chosen), the debounced button, and the LEDs following the supervisor.

import { PochtaError } from '../errors.ts';
import type { Logger, Timers } from '../supervisor/index.ts';
import type { Board, BoardState } from './board.ts';
import { type Button, createButton } from './button.ts';
import { createBoard, type DriverChoice } from './create-board.ts';
import { createLedController, type LedController, type ListenerView } from './led-controller.ts';
import { panelPress } from './panel-actions.ts';
import type { GpioPaths } from './paths.ts';
import type { Pinmap } from './pinmap.ts';

export interface FrontPanelOptions {
  /** The supervisor (or anything with its status() and on('change')). */
  readonly listeners: ListenerView;
  /** Long press: reset admin credentials and network settings, never mail. */
  readonly onFactoryReset: () => void | Promise<void>;
  readonly setupDone?: boolean;
  readonly driver?: DriverChoice;
  /** Use this board instead of creating one (tests). */
  readonly board?: Board;
  readonly pinmap?: Pinmap;
  readonly paths?: GpioPaths;
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Default 10 s; dev/test setups shorten it. */
  readonly longPressMs?: number;
  readonly debounceMs?: number;
}

export interface FrontPanel {
  readonly board: Board;
  readonly button: Button;
  readonly leds: LedController;
  /** See Button.requestPresence: the web UI awaits this for claiming and password recovery. */
  requestPresence(timeoutMs: number): Promise<boolean>;
  /** Mail went through: flicker (rate-limited). */
  traffic(): void;
  setSetupDone(done: boolean): void;
  state(): BoardState;
  /** Sim only (FORBIDDEN on hardware); INVALID_ARGUMENT for a kind other than short|long. */
  press(kind: string): Promise<BoardState>;
  /** Stop following, release the hardware, turn the LEDs off. */
  close(): Promise<void>;
}

export async function startFrontPanel(options: FrontPanelOptions): Promise<FrontPanel> {
  const common = {
    ...(options.now ? { now: options.now } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
    ...(options.log ? { log: options.log } : {}),
  };
  const board =
    options.board ??
    (await createBoard({
      ...common,
      ...(options.driver ? { driver: options.driver } : {}),
      ...(options.pinmap ? { pinmap: options.pinmap } : {}),
      ...(options.paths ? { paths: options.paths } : {}),
      ...(options.longPressMs !== undefined ? { longPressMs: options.longPressMs } : {}),
    }));
  let leds: LedController | undefined;
  const button = createButton(board, {
    ...common,
    onFactoryReset: options.onFactoryReset,
    onChange: () => leds?.refresh(),
    ...(options.longPressMs !== undefined ? { longPressMs: options.longPressMs } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
  });
  leds = createLedController(board, options.listeners, { ...common, button, setupDone: options.setupDone ?? true });
  const controller = leds;
  let closed = false;
  return {
    board,
    button,
    leds: controller,
    requestPresence: (timeoutMs) => {
      if (!(timeoutMs > 0)) return Promise.reject(new PochtaError('INVALID_ARGUMENT', 'presence timeout must be positive'));
      return button.requestPresence(timeoutMs);
    },
    traffic: () => controller.traffic(),
    setSetupDone: (done) => controller.setSetupDone(done),
    state: () => board.state(),
    press: (kind) => panelPress(board, kind),
    async close() {
      if (closed) return;
      closed = true;
      controller.close();
      button.close();
      await board.close();
    },
  };
}
