/**
 * The named fault points of the collector (`LINSTOR_SR_FAULTS=<point>:throw|kill`), in the order each
 * step crosses them. The crash tests and the chaos soak stop the collector at them; a thin SR's merge
 * also crosses lib/thin's `inflate:*` points.
 */
export const GC_POINTS = {
  delete: {
    /** The volume destroyed, its XAPI record not yet forgotten (the next sr_scan forgets it). */
    afterDestroy: 'gc:delete:after-destroy',
  },
  coalesce: {
    afterJournal: 'gc:coalesce:after-journal',
    afterInflate: 'gc:coalesce:after-inflate',
    afterMerge: 'gc:coalesce:after-merge',
    afterUnjournal: 'gc:coalesce:after-unjournal',
  },
  relink: {
    afterJournal: 'gc:relink:after-journal',
    afterChild: 'gc:relink:after-child',
    afterUnjournal: 'gc:relink:after-unjournal',
  },
  leaf: {
    afterJournal: 'gc:leaf:after-journal',
    afterPause: 'gc:leaf:after-pause',
    afterMerge: 'gc:leaf:after-merge',
    afterRenameLeaf: 'gc:leaf:after-rename-leaf',
    afterRenameParent: 'gc:leaf:after-rename-parent',
    afterCommit: 'gc:leaf:after-commit',
    afterUnpause: 'gc:leaf:after-unpause',
    afterUnjournal: 'gc:leaf:after-unjournal',
  },
} as const;

/** The points of a non-leaf coalesce and its relink. */
export const COALESCE_POINTS: readonly string[] = [...Object.values(GC_POINTS.coalesce), ...Object.values(GC_POINTS.relink)];
/** The point of a garbage VDI's deletion. */
export const DELETE_POINTS: readonly string[] = Object.values(GC_POINTS.delete);
/** The points of a leaf-coalesce, in order. */
export const LEAF_POINTS: readonly string[] = Object.values(GC_POINTS.leaf);
