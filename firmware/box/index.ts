// Public face of the box room: the service manager link (systemd Type=notify
// and its watchdog), with a recording notifier off systemd.

export type { Notifier, NotifyFields, RecordingNotifier, SystemdNotifierOptions } from './notifier.ts';
export { recordingNotifier, systemdNotifier } from './notifier.ts';
export type { FromEnvironmentOptions, ServiceManagerLink, ServiceManagerOptions, WatchdogStats } from './service-manager.ts';
export { createServiceManagerLink, healthIntervalMs, serviceManagerFromEnv } from './service-manager.ts';
