// Public face of the update room: signed bundles, release switching with
// automatic roll back, and the box's health check. The `pochta update` verb
// (runUpdateCli) wires them to systemd and the admin socket.

export type { HealthReport, RollbackResult, UpdateDeps, UpdateResult } from './apply.ts';
export { applyUpdate, resumeInterruptedUpdate, rollbackRelease } from './apply.ts';
export type { BundleManifest, VerifiedBundle } from './bundle.ts';
export { BUNDLE_MAGIC, generateSigningKeys, hashFileRange, readPem, verifyBundle, writeBundle } from './bundle.ts';
export type { UpdateCliOptions } from './cli.ts';
export { runUpdateCli, UPDATE_USAGE } from './cli.ts';
export type { BoxHealthOptions } from './health.ts';
export { boxHealthCheck, checkOnce } from './health.ts';
export type { ReleaseLinks } from './releases.ts';
export { listReleases, pruneReleases, readReleaseLinks, setReleaseLink, unpackRelease } from './releases.ts';
export type { UpdateRequestOptions, UpdateState, UpdateStatus } from './request.ts';
export { CLAIMED_FILE, INCOMING_DIR, REQUEST_FILE, runUpdateRequest, STATUS_FILE } from './request.ts';
