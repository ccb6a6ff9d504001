/**
 * The named fault points of vdi_snapshot and vdi_clone, in the order the verb crosses them
 * (`LINSTOR_SR_FAULTS=<point>:throw|kill`). The crash-consistency matrix (test/e2e/crash-matrix*.ts)
 * kills the verb at each of them; other multi-step verbs (compose, the GC) add their own rows to
 * {@link VERB_FAULT_POINTS} so the same matrix covers them.
 */
export const CLONE_POINTS = {
  afterJournal: 'clone:after-journal',
  afterPause: 'clone:after-pause',
  afterRename: 'clone:after-rename',
  afterLeafVolume: 'clone:after-leaf-volume',
  afterSnapVolume: 'clone:after-snap-volume',
  afterLeafVhd: 'clone:after-leaf-vhd',
  afterSnapVhd: 'clone:after-snap-vhd',
  /** The new leaves EXISTS with their metadata, the base renamed "base copy" (one KV transaction). */
  afterLeaves: 'clone:after-leaves',
  afterHideBase: 'clone:after-hide-base',
  afterSmConfig: 'clone:after-sm-config',
  afterDropBase: 'clone:after-drop-base',
  afterIntroduceSnap: 'clone:after-introduce-snap',
  afterIntroduceBase: 'clone:after-introduce-base',
  /** The chain is built, the guest still paused, the entry not yet removed. */
  beforeCommit: 'clone:before-commit',
  /** The entry is removed (committed), the guest still paused. */
  afterCommit: 'clone:after-commit',
  afterUnpause: 'clone:after-unpause',
  /** Inside the undo of a failed verb (a crash during the rollback itself). */
  undoAfterLeaves: 'clone-undo:after-leaves',
  undoAfterRename: 'clone-undo:after-rename',
} as const;

/** Points past the commit point: a verb stopped there is finished by the recovery, never undone. */
export const COMMITTED_POINTS: ReadonlySet<string> = new Set([CLONE_POINTS.afterCommit, CLONE_POINTS.afterUnpause]);

/** Points after the new leaves are persisted, up to the answer; a single snapshot has no snapshot to introduce. */
const TAIL: readonly string[] = [
  CLONE_POINTS.afterLeaves,
  CLONE_POINTS.afterHideBase,
  CLONE_POINTS.afterSmConfig,
  CLONE_POINTS.afterDropBase,
  CLONE_POINTS.afterIntroduceSnap,
  CLONE_POINTS.afterIntroduceBase,
  CLONE_POINTS.beforeCommit,
  CLONE_POINTS.afterCommit,
  CLONE_POINTS.afterUnpause,
];

/** Points crossed by double snapshots and clones (a second leaf, the snapshot, is made and introduced). */
const DOUBLE: readonly string[] = [
  CLONE_POINTS.afterJournal,
  CLONE_POINTS.afterPause,
  CLONE_POINTS.afterRename,
  CLONE_POINTS.afterLeafVolume,
  CLONE_POINTS.afterSnapVolume,
  CLONE_POINTS.afterLeafVhd,
  CLONE_POINTS.afterSnapVhd,
  ...TAIL,
];

/** Points of a single (or internal) snapshot: no second leaf. */
const SINGLE: readonly string[] = [
  CLONE_POINTS.afterJournal,
  CLONE_POINTS.afterPause,
  CLONE_POINTS.afterRename,
  CLONE_POINTS.afterLeafVolume,
  CLONE_POINTS.afterLeafVhd,
  ...TAIL.filter((p) => p !== CLONE_POINTS.afterIntroduceSnap),
];

/**
 * Verb (or verb variant) → its fault points in order. Keys are what the matrix runs: `vdi_snapshot`
 * (double, xapi's default), `vdi_snapshot/single`, `vdi_clone`. Add rows for new multi-step verbs.
 */
export const VERB_FAULT_POINTS: Record<string, readonly string[]> = {
  vdi_snapshot: DOUBLE,
  'vdi_snapshot/single': SINGLE,
  vdi_clone: DOUBLE,
};
