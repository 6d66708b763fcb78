// Shapes kept in LevelDB that are not part of the public contract.

/** blob:<hash>. Absent means no references; present always means refs > 0. */
export interface BlobRecord {
  readonly refs: number;
  readonly size: number;
  readonly createdAt: number;
}
