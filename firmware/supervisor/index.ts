// Public face of the supervisor room: the process model (listeners in worker
// threads, restart policy, probes, watchdog tick) and the store bridge.

export type { BackoffPolicy, FailurePolicy } from './backoff.ts';
export { backoffDelay, DEFAULT_BACKOFF, DEFAULT_FAILURE } from './backoff.ts';
export type { ListenerSpec } from './listener-worker.ts';
export type { Probe } from './probes.ts';
export { greetingProbe, httpProbe, tlsGreetingProbe } from './probes.ts';
export type {
  ListenAddress,
  ListenerContext,
  ListenerName,
  ListenerState,
  ListenerStatus,
  Logger,
  Service,
  ServiceFactory,
  TlsFiles,
} from './service.ts';
export { LISTENER_NAMES } from './service.ts';
export type { ServeStoreOptions, StoreHost } from './store-host.ts';
export { serveStore } from './store-host.ts';
export type { StoreProxyOptions } from './store-proxy.ts';
export { createStoreProxy } from './store-proxy.ts';
export type { RestartEvent, Supervisor, SupervisorOptions } from './supervisor.ts';
export { createSupervisor } from './supervisor.ts';
export type { Timers } from './timers.ts';
export { realTimers } from './timers.ts';
export type { FaultKind, LogLevel } from './worker-messages.ts';
