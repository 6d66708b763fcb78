// Deterministic fault injection for tests: the store calls `check(stage)` just
// before each step that touches the disk; an injector throws there to make that
// step fail as if the kernel had returned the given errno.

export type FaultStage = 'blob-write' | 'blob-fsync' | 'blob-rename' | 'dir-fsync' | 'db-batch';

export interface FaultInjector {
  /** Called before each disk step; throws (an Error with an errno `code`) to fail it. */
  check(stage: FaultStage): void;
}

export interface ScriptedFaults extends FaultInjector {
  /** Fail the nth (1-based, counted from now) occurrence of a stage with errno `code`. */
  failAt(stage: FaultStage, nth: number, code?: string): void;
  /** Fail every occurrence of a stage until cleared. */
  failAlways(stage: FaultStage, code?: string): void;
  clear(): void;
  /** How many times each stage has been reached. */
  readonly counts: Readonly<Record<FaultStage, number>>;
}

export function errnoError(code: string, stage: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: injected fault at ${stage}`);
  err.code = code;
  return err;
}

/** An injector driven by a script of "fail the nth X with errno Y" rules. */
export function scriptedFaults(): ScriptedFaults {
  const counts: Record<FaultStage, number> = { 'blob-write': 0, 'blob-fsync': 0, 'blob-rename': 0, 'dir-fsync': 0, 'db-batch': 0 };
  let rules: Array<{ stage: FaultStage; at: number | 'always'; code: string }> = [];
  return {
    counts,
    check(stage) {
      counts[stage] += 1;
      const hit = rules.find((rule) => rule.stage === stage && (rule.at === 'always' || rule.at === counts[stage]));
      if (hit) {
        if (hit.at !== 'always') rules = rules.filter((rule) => rule !== hit);
        throw errnoError(hit.code, stage);
      }
    },
    failAt(stage, nth, code = 'EIO') {
      rules.push({ stage, at: counts[stage] + nth, code });
    },
    failAlways(stage, code = 'EIO') {
      rules.push({ stage, at: 'always', code });
    },
    clear() {
      rules = [];
    },
  };
}
