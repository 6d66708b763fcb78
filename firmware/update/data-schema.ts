// Going back to an older release must not leave the mail data in a schema that
// release refuses to open (a newer release migrates the data when it starts).
// Before the switch back, the daemon is stopped and the NEWER release (which
// knows both schemas) converts the data down to the newest schema the older
// one knows (`pochta store schema`, `pochta store downgrade --to N`). Releases
// from before these verbs existed cannot say their schema: then nothing is
// converted and the health check after the switch tells how it went.

import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Run release `version`'s CLI with `args`; resolves with its stdout. */
export type ReleaseCli = (version: string, args: readonly string[]) => Promise<string>;

export interface DataSchemaOptions {
  /** The apps directory (releases/<version>/{node/bin/node,app/bin/pochta.js}). */
  readonly root: string;
  /** The mail data (/var/lib/pochta). */
  readonly dataDir: string;
  /** Stop the daemon (the conversion needs the store to itself). */
  readonly stop: () => Promise<void>;
  /** Replaces running a release's CLI (tests). */
  readonly cli?: ReleaseCli;
  readonly log?: (line: string) => void;
}

interface SchemaView {
  readonly supported: number;
  readonly stored?: number;
}

/** The matchData step of UpdateDeps for a box. */
export function dataSchemaMatcher(options: DataSchemaOptions): (from: string, to: string) => Promise<void> {
  const cli = options.cli ?? releaseCli(options.root, options.dataDir);
  return async (from, to) => {
    await options.stop();
    let older: SchemaView;
    try {
      older = JSON.parse(await cli(to, ['store', 'schema', '--json', '--data', options.dataDir])) as SchemaView;
    } catch {
      options.log?.(`release ${to} cannot tell which store schema it knows (it predates the question); the data stays as it is`);
      return;
    }
    let now: SchemaView;
    try {
      now = JSON.parse(await cli(from, ['store', 'schema', '--json', '--data', options.dataDir])) as SchemaView;
    } catch {
      // a release too broken to run its own CLI most likely never got as far as migrating the data
      options.log?.(`release ${from} cannot run its store tools; the data stays as it is`);
      return;
    }
    if (now.stored === undefined || now.stored <= older.supported) return;
    options.log?.(`converting the mail data from store schema ${now.stored} to ${older.supported} for release ${to}`);
    await cli(from, ['store', 'downgrade', '--to', String(older.supported), '--json', '--data', options.dataDir]);
  };
}

/**
 * A release's CLI run on its own Node, as the owner of the data directory:
 * the updater runs as root, and files the store writes must stay the
 * daemon's.
 */
function releaseCli(root: string, dataDir: string): ReleaseCli {
  return async (version, args) => {
    const dir = join(root, 'releases', version);
    const owner = await stat(dataDir);
    const { stdout } = await promisify(execFile)(join(dir, 'node', 'bin', 'node'), [join(dir, 'app', 'bin', 'pochta.js'), ...args], {
      uid: owner.uid,
      gid: owner.gid,
      timeout: 30 * 60_000,
      maxBuffer: 1 << 20,
    });
    return stdout;
  };
}
