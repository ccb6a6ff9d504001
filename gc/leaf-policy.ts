/**
 * How a leaf-coalesce candidate is handled (sm's `coalesceLeaf` loop, spec/sm-linstor.md §4.5):
 *
 *   - attached nowhere: offline, under the SR lock
 *   - a VM runs on it (a `host_<ref>` key): live, paused on every host for the final merge — but only
 *     when the leaf holds little enough data for a short pause (sm's LIVE_LEAF_COALESCE_MAX_SIZE, or
 *     `other-config:leaf-coalesce=force`); a bigger leaf is first snapshotted (XAPI `VDI.snapshot`,
 *     type internal: its data moves into a hidden parent that a non-leaf coalesce merges without any
 *     pause), and the fresh, small leaf is merged live on a later pass
 *   - a VBD plugged but no tapdisk yet (between attach and activate), or an activation in flight
 *     (`activating`): left for a later pass, because the host's phy link names the leaf's resource
 *     and nothing would refresh it after the swap
 *
 * A VM writing faster than the collector merges would make the snapshot rounds endless: after
 * MAX_SNAPSHOT_ROUNDS in one run, or a round that did not shrink the leaf, it is reported and skipped.
 */

/** sm's LIVE_LEAF_COALESCE_MAX_SIZE: a bigger leaf would pause its VM too long. */
export const LIVE_LEAF_MAX_BYTES = 20 * 1024 * 1024;
export const MAX_SNAPSHOT_ROUNDS = 3;

export type LeafFacts = {
  /** sm-config `activating`: a host is between tagging the VDI and opening its tapdisk. */
  readonly activating: boolean;
  /** Hosts with a tapdisk on the leaf. */
  readonly activeOn: readonly string[];
  /** A VBD of the leaf is currently attached. */
  readonly vbdAttached: boolean;
  /** The leaf's own data (VHD physical size). */
  readonly leafBytes: number;
  /** `other-config:leaf-coalesce` of the leaf's XAPI record. */
  readonly leafCoalesceConfig: string | undefined;
  /** The leaf's size when each earlier snapshot round of this run was decided, oldest first. */
  readonly rounds: readonly number[];
};

export type LeafMode = { readonly kind: 'offline' } | { readonly kind: 'live' } | { readonly kind: 'snapshot-first' } | { readonly kind: 'skip'; readonly reason: string };

export function leafMode(f: LeafFacts): LeafMode {
  if (f.activating) return { kind: 'skip', reason: 'an activation is in flight (sm-config activating): retried later' };
  if (f.activeOn.length === 0) {
    return f.vbdAttached ? { kind: 'skip', reason: 'a VBD is attached but no tapdisk serves it yet: retried later' } : { kind: 'offline' };
  }
  if (f.leafBytes <= LIVE_LEAF_MAX_BYTES || f.leafCoalesceConfig === 'force') return { kind: 'live' };
  const last = f.rounds.at(-1);
  if (f.rounds.length >= MAX_SNAPSHOT_ROUNDS || (last !== undefined && f.leafBytes >= last)) {
    return { kind: 'skip', reason: `the leaf still holds ${f.leafBytes} bytes after ${f.rounds.length} snapshot rounds (the VM writes faster than the merges): retried on the next run` };
  }
  return { kind: 'snapshot-first' };
}
