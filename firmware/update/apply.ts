// Applying an update bundle and going back. Everything the box does around it
// (restart the service, ask the daemon whether it is healthy) is passed in, so
// the same steps run against fake release trees in the tests.

import type { KeyObject } from 'node:crypto';
import { PochtaError } from '../errors.ts';
import { verifyBundle } from './bundle.ts';
import { listReleases, pruneReleases, readReleaseLinks, setReleaseLink, unpackRelease } from './releases.ts';

export interface HealthReport {
  readonly ok: boolean;
  /** One line for the admin: what was up, or what was not. */
  readonly detail: string;
}

export interface UpdateDeps {
  /** The apps directory: releases/, current, previous (on the box /opt/pochta). */
  readonly root: string;
  /** The public key bundles must be signed with (on the box /etc/pochta/update-key.pem). */
  readonly publicKey: string | KeyObject;
  /** Restart the daemon on whatever `current` now points at; resolves once it was started. */
  readonly restart: () => Promise<void>;
  /** Wait (bounded by its own deadline) until the daemon is healthy, or say why it is not. */
  readonly health: () => Promise<HealthReport>;
  /**
   * Before going back from release `from` to the older `to`: stop the daemon
   * and convert the mail data to a schema `to` can open (the newer release
   * may have migrated it; the older one refuses newer data). Absent: nothing
   * to convert (tests, a box whose releases share a schema).
   */
  readonly matchData?: (from: string, to: string) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface UpdateResult {
  readonly outcome: 'updated' | 'rolled-back';
  /** The release the bundle carried. */
  readonly version: string;
  /** The release that ran before. */
  readonly from: string | undefined;
  /** The health check of the new release. */
  readonly health: HealthReport;
  /** After a roll back: the health check of the release gone back to. */
  readonly rollbackHealth?: HealthReport;
}

export interface RollbackResult {
  readonly from: string;
  readonly to: string;
  readonly health: HealthReport;
}

/**
 * Verify the bundle, unpack it beside the running release, switch `current`
 * to it, restart and check health. When the new release is not healthy the
 * links go back to what they were, the new release is removed and the old one
 * restarted: outcome 'rolled-back'. Rejects (changing nothing) when the
 * bundle is not signed with the box's key or is damaged, or already runs.
 * Only the release tree is touched, never the mail data.
 */
export async function applyUpdate(file: string, deps: UpdateDeps): Promise<UpdateResult> {
  const log = deps.log ?? (() => {});
  const { manifest, payloadOffset } = await verifyBundle(file, deps.publicKey);
  const version = manifest.version;
  const before = await readReleaseLinks(deps.root);
  if (before.current === version) throw new PochtaError('ALREADY_EXISTS', `release ${version} is already running`);
  log(`bundle ${version} verified (signed, ${manifest.payload.size} bytes, Node ${manifest.node})`);

  await unpackRelease(deps.root, file, payloadOffset, version);
  log(`unpacked into releases/${version}`);
  await setReleaseLink(deps.root, 'previous', before.current);
  await setReleaseLink(deps.root, 'current', version);
  log(`switched current to ${version}; restarting`);

  const health = await restartAndCheck(deps);
  if (health.ok) {
    const removed = await pruneReleases(deps.root, [version, before.current]);
    if (removed.length > 0) log(`removed old releases: ${removed.join(', ')}`);
    log(`update to ${version} done: ${health.detail}`);
    return { outcome: 'updated', version, from: before.current, health };
  }

  log(`release ${version} is not healthy (${health.detail}); rolling back to ${before.current ?? 'nothing'}`);
  if (before.current !== undefined) await matchData(deps, version, before.current);
  await setReleaseLink(deps.root, 'current', before.current);
  await setReleaseLink(deps.root, 'previous', before.previous);
  await pruneReleases(deps.root, [before.current, before.previous]);
  const rollbackHealth = await restartAndCheck(deps);
  log(`rolled back to ${before.current}: ${rollbackHealth.detail}`);
  return { outcome: 'rolled-back', version, from: before.current, health, rollbackHealth };
}

/**
 * Go back by hand: `current` and `previous` trade places, then restart and
 * check health (reported, not undone: the admin asked for this release).
 * NOT_FOUND when there is no previous release.
 */
export async function rollbackRelease(deps: UpdateDeps): Promise<RollbackResult> {
  const { current, previous } = await readReleaseLinks(deps.root);
  if (previous === undefined || current === undefined) throw new PochtaError('NOT_FOUND', 'there is no previous release to go back to');
  await matchData(deps, current, previous);
  await setReleaseLink(deps.root, 'current', previous);
  await setReleaseLink(deps.root, 'previous', current);
  deps.log?.(`switched current back to ${previous}; restarting`);
  const health = await restartAndCheck(deps);
  return { from: current, to: previous, health };
}

/**
 * Finish an update of `version` that was cut short after the switch (a power
 * cut, the updater killed): when `current` is that release, the daemon is
 * already running it (started by the boot or by systemd) and only its health
 * is unknown. Healthy: kept, as applyUpdate would. Not healthy: back to the
 * release it replaced, the new one removed. Undefined when `current` is not
 * `version` or there is nothing to go back to (nothing to finish).
 */
export async function resumeInterruptedUpdate(version: string, deps: UpdateDeps): Promise<UpdateResult | undefined> {
  const { current, previous: from } = await readReleaseLinks(deps.root);
  if (current !== version || from === undefined) return undefined;
  const health = await checkHealth(deps);
  if (health.ok) {
    await pruneReleases(deps.root, [version, from]);
    return { outcome: 'updated', version, from, health };
  }
  // The release before `from` is the one other release still on disk (pruning keeps two, plus the new one).
  const older = (await listReleases(deps.root)).filter((n) => n !== version && n !== from);
  const previous = older.length === 1 ? older[0] : undefined;
  deps.log?.(`release ${version} is not healthy after an interrupted update (${health.detail}); rolling back to ${from}`);
  await matchData(deps, version, from);
  await setReleaseLink(deps.root, 'current', from);
  await setReleaseLink(deps.root, 'previous', previous);
  await pruneReleases(deps.root, [from, previous]);
  const rollbackHealth = await restartAndCheck(deps);
  return { outcome: 'rolled-back', version, from, health, rollbackHealth };
}

/**
 * Convert the data for the release gone back to. A failure is logged, not
 * thrown: going back is still the best there is, and the health check that
 * follows says whether the older release came up.
 */
async function matchData(deps: UpdateDeps, from: string, to: string): Promise<void> {
  if (!deps.matchData) return;
  try {
    await deps.matchData(from, to);
  } catch (err) {
    deps.log?.(`could not convert the mail data for ${to}: ${oneLine(err)}`);
  }
}

async function checkHealth(deps: UpdateDeps): Promise<HealthReport> {
  try {
    return await deps.health();
  } catch (err) {
    return { ok: false, detail: `health check failed: ${oneLine(err)}` };
  }
}

async function restartAndCheck(deps: UpdateDeps): Promise<HealthReport> {
  try {
    await deps.restart();
  } catch (err) {
    return { ok: false, detail: `restart failed: ${oneLine(err)}` };
  }
  return checkHealth(deps);
}

/** An error as one line for the admin (systemctl's message spans several). */
function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();
}
