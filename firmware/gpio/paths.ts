// Every device path the gpio room touches, in one place, so tests point the
// drivers at a fake tree (balena-supervisor keeps its constants the same way).

export interface GpioPaths {
  /** Legacy sysfs GPIO: export, unexport, gpiochipN/{base,label,ngpio}, gpioN/{direction,value,edge,active_low}. */
  readonly gpioClass: string;
  /** Kernel LED devices: NAME/{brightness,max_brightness,trigger,delay_on,delay_off}. */
  readonly ledsClass: string;
  /** Input device metadata: eventN/device/{name,capabilities/key}, eventN/device/device/driver. */
  readonly inputClass: string;
  /** Input device nodes: eventN. */
  readonly inputDev: string;
  /** Device-tree model string ("Raspberry Pi 4 Model B Rev 1.5"). */
  readonly model: string;
}

export const DEFAULT_GPIO_PATHS: GpioPaths = Object.freeze({
  gpioClass: '/sys/class/gpio',
  ledsClass: '/sys/class/leds',
  inputClass: '/sys/class/input',
  inputDev: '/dev/input',
  model: '/proc/device-tree/model',
});

/** Defaults with some paths replaced. */
export function gpioPaths(overrides: Partial<GpioPaths> = {}): GpioPaths {
  return Object.freeze({ ...DEFAULT_GPIO_PATHS, ...overrides });
}
