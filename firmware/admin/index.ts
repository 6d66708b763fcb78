// Public face of the admin room: the actions (used in-process by the web UI),
// the admin socket (server in the daemon, client in the CLI).

export type {
  AccountView,
  AddressTools,
  AdminAction,
  AdminDeps,
  DomainView,
  ListenerHealth,
  Params,
  PasswordTools,
  SettingView,
  StatusView,
} from './actions.ts';
export { ACTIONS, accountView, domainView, runAdminAction } from './actions.ts';
export { actionTable, DEBUG_ACTIONS, DEBUG_FAULTS } from './debug-actions.ts';
export type { AdminRequest, AdminResponse } from './protocol.ts';
export type { ResetResult } from './reset-admin-access.ts';
export { ADMIN_ACCESS_KEYS, ADMIN_ACCESS_PREFIXES, isAdminAccessKey, resetAdminAccess } from './reset-admin-access.ts';
export type { AdminClient } from './socket-client.ts';
export { connectAdmin } from './socket-client.ts';
export type { AdminServer, AdminServerOptions } from './socket-server.ts';
export { startAdminServer } from './socket-server.ts';
export { storeAddresses, storePasswords } from './store-tools.ts';
