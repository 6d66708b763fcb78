// Public face of the gpio room: the Board seam and its drivers, the LED state
// machine and controller, the button, the pin map and the config.txt lines.

export type { Board, BoardState, ButtonEdge, DriverName, LedView, PressKind as SimPressKind, SimBoard } from './board.ts';
export { isSimBoard } from './board.ts';
export type { Button, ButtonOptions, PressKind } from './button.ts';
export { createButton } from './button.ts';
export type { FrontPanelMode } from './config-txt.ts';
export { configTxtLines, PANEL_OVERLAYS, parseFrontPanelMode } from './config-txt.ts';
export type { CreateBoardOptions, DriverChoice, DriverProbe } from './create-board.ts';
export { createBoard, probeDrivers } from './create-board.ts';
export type { FrontPanel, FrontPanelOptions } from './front-panel.ts';
export { startFrontPanel } from './front-panel.ts';
export type { InputEvent, InputEventSize } from './input-event.ts';
export { EV_KEY, EV_SYN, encodeInputEvent, inputEventSize } from './input-event.ts';
export { createKernelBoard, kernelUnavailable } from './kernel-board.ts';
export type { LedController, LedControllerOptions, ListenerView } from './led-controller.ts';
export { createLedController } from './led-controller.ts';
export type { LedInputs, LedOutputs } from './led-state.ts';
export { ledOutputs, serviceState } from './led-state.ts';
export { formatPanelState, panelPress, panelState } from './panel-actions.ts';
export type { GpioPaths } from './paths.ts';
export { DEFAULT_GPIO_PATHS, gpioPaths } from './paths.ts';
export type { LedPattern, LedStateName, LedStateRow } from './patterns.ts';
export { LED_PATTERNS, LED_STATES, PATTERN_TIMING, RESET_COUNTDOWN } from './patterns.ts';
export type { ActiveLevel, ButtonPin, LedName, LedPin, Pinmap, PinSpec, Pull } from './pinmap.ts';
export { DEFAULT_PINMAP_PATH, LED_NAMES, loadPinmap, parsePinmap } from './pinmap.ts';
export { createSimBoard } from './sim-board.ts';
export type { GpioChip } from './soc-chip.ts';
export { findSocChip, SOC_GPIO_LABELS } from './soc-chip.ts';
