// The store room's public face. Everything else in firmware/store is internal.
export { isCatchAll, isValidAddress, isValidDomain, normalizeAddress } from './address.ts';
export { restoreBackup } from './backup.ts';
export { INLINE_BODY_LIMIT, isInlineBody } from './body-placement.ts';
export { downgradeStore, STORE_SCHEMA, storedSchema } from './downgrade.ts';
export type { FaultInjector, FaultStage, ScriptedFaults } from './faults.ts';
export { scriptedFaults } from './faults.ts';
export type { LevelMailStore } from './level-store.ts';
export type { OpenStoreOptions } from './open.ts';
export { openStore } from './open.ts';
export { checkPasswordStrength, hashPassword, verifyPassword } from './password.ts';
export type * from './types.ts';
