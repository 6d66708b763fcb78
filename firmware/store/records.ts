// Shapes kept in LevelDB that are not part of the public contract.

/** blob:<hash>. Absent means no references; present always means refs > 0. */
export interface BlobRecord {
  readonly refs: number;
  readonly size: number;
  readonly createdAt: number;
  /** The bytes are in bdata:<hash> (raw), not in a file. Absent on bodies stored as files. */
  readonly inline?: true;
}
