// What `pochta gpio state`, `pochta gpio press short|long` and the web UI's
// front panel call (through the admin socket), kept here so both say the same.

import { PochtaError } from '../errors.ts';
import { type Board, type BoardState, isSimBoard, type PressKind } from './board.ts';
import { LED_NAMES } from './pinmap.ts';

export function panelState(board: Board): BoardState {
  return board.state();
}

/**
 * Press the simulated button. On real hardware a remote "press" would defeat
 * the physical-presence check, so it is refused (FORBIDDEN).
 */
export async function panelPress(board: Board, kind: string): Promise<BoardState> {
  if (kind !== 'short' && kind !== 'long') throw new PochtaError('INVALID_ARGUMENT', `press kind must be short or long, not ${kind}`);
  if (!isSimBoard(board)) throw new PochtaError('FORBIDDEN', `the button can only be pressed by hand on the ${board.driver} board`);
  await board.press(kind as PressKind);
  return board.state();
}

/** Human lines for the CLI: driver, each LED, the button. */
export function formatPanelState(state: BoardState): string {
  const lines = [`driver  ${state.driver}${state.reason ? ` (${state.reason})` : ''}`];
  for (const name of LED_NAMES) {
    const led = state.leds[name];
    lines.push(
      `${name.padEnd(9)} ${led.pattern}${led.pattern === 'on' || led.pattern === 'off' ? '' : led.lit ? ' (lit now)' : ' (dark now)'}`,
    );
  }
  lines.push(`button    ${state.button.pressed ? 'pressed' : 'released'}`);
  return lines.join('\n');
}
