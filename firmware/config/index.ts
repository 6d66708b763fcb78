// Public face of the config room: the bootstrap config (read by main.ts only)
// and the runtime settings schema (read by listeners through the store).

export { cidrMatcher, formatHostPort, isHostname, parseCidr, parseHostPort } from './address.ts';
export type { Config, ConfigFlags, ConfigSources, GpioDriver, LogLevel, SocketListenerName } from './bootstrap.ts';
export { configError, DEV_PORTS, loadConfig, parseListen, SOCKET_LISTENERS, STANDARD_PORTS } from './bootstrap.ts';
export type { DnsblZone, SettingKey, Settings, SettingsMode, Smarthost, SmarthostTls } from './settings.ts';
export {
  checkSettingKey,
  defaultSetting,
  isSettingKey,
  MASK,
  maskSetting,
  prepareSettingsChange,
  readSettings,
  SETTING_KEYS,
  SETTINGS,
  settingsFromValues,
  validateSetting,
  watchSettings,
} from './settings.ts';
export { formatSize, parseSize } from './size.ts';
