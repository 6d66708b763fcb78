// What a CLI run touches of the outside world, passed in so tests can run a
// verb in-process with their own streams.

export interface CliIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Exit codes (sysexits.h where one fits), documented in README.md. */
export const EXIT = {
  OK: 0,
  /** The action failed: unknown user, duplicate address, weak password, ... */
  FAILED: 1,
  /** Bad command line. */
  USAGE: 64,
  /** The daemon is not running (status), or a verb needs it. */
  UNAVAILABLE: 69,
  /** Internal or storage failure. */
  SOFTWARE: 70,
  /** Bad configuration. */
  CONFIG: 78,
} as const;
