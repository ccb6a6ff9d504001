/**
 * One leaf-coalesce candidate in a collector pass: decide how (leaf-policy.ts) under the SR lock, with
 * fresh XAPI records and a fresh look at the chain (still-planned.ts), then merge it offline or live (leaf-coalesce.ts) under that same lock — or, for a
 * leaf too big for a short pause, snapshot it through XAPI (outside the lock: the driver's vdi_snapshot
 * takes it) so that the next pass merges its data without pausing the VM.
 */
import { asVdiUuid, VolumeLockedError } from '../lib/volume/index.js';
import type { MergeResult, UnderLock } from './coalesce.js';
import type { XapiVdi } from './inventory.js';
import { leafCoalesce } from './leaf-coalesce.js';
import { leafMode, type LeafMode } from './leaf-policy.js';
import { describeOpener, foreign, volumeOpeners } from './openers.js';
import type { GcContext } from './sr-context.js';
import { assertStillPlanned } from './still-planned.js';

export type LeafStepOutcome =
  | { readonly kind: 'merged'; readonly live: boolean; readonly result: MergeResult }
  | { readonly kind: 'snapshotted'; readonly snapshot: string }
  | { readonly kind: 'skip'; readonly reason: string };

async function vbdAttached(ctx: GcContext, record: XapiVdi | undefined): Promise<boolean> {
  if (record === undefined) return false;
  for (const vbd of (await ctx.xapi.vdi.getRecord(record.ref)).VBDs) if (await ctx.xapi.vbd.get(vbd, 'currently_attached')) return true;
  return false;
}

export type LeafStepInput = {
  readonly leaf: string;
  readonly parent: string;
  /** The leaf's own data, as the pass's inventory read it. */
  readonly leafBytes: number;
  /** Sizes of the leaf at the earlier snapshot rounds of this run (updated here). */
  readonly rounds: number[];
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
};

export async function leafStep(ctx: GcContext, underLock: UnderLock, i: LeafStepInput): Promise<LeafStepOutcome> {
  const decided = await underLock(async (volumes, journal, xapiVdis): Promise<LeafStepOutcome | { kind: 'snapshot-first'; ref: string }> => {
    await assertStillPlanned(ctx, volumes, xapiVdis, { kind: 'leaf-coalesce', vdi: i.leaf, parent: i.parent });
    // A volume lock means a slave verb (attach, activate) is under way: it took the lock through the
    // master's SR lock, which we hold now, and goes on without it, tagging the VDI and opening a tapdisk
    // on the leaf. What we read of the leaf's users is only true once it is done: never wait for the
    // lock and act on this look; leave the leaf to a later pass.
    const slaveVerb = await volumes.ensureNotLocked([asVdiUuid(i.leaf), asVdiUuid(i.parent)], { timeoutMs: 0 }).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof VolumeLockedError) return error;
        throw error;
      },
    );
    if (slaveVerb !== undefined) return { kind: 'skip', reason: `a slave verb holds the volume lock of ${slaveVerb.vdiUuid}: retried later` };
    const record = xapiVdis.get(i.leaf);
    const mode: LeafMode = leafMode({
      activating: record !== undefined && 'activating' in record.smConfig,
      activeOn: record?.attachedOn ?? [],
      vbdAttached: await vbdAttached(ctx, record),
      leafBytes: i.leafBytes,
      leafCoalesceConfig: record?.otherConfig['leaf-coalesce'],
      rounds: i.rounds,
    });
    if (mode.kind === 'skip') return mode;
    if (mode.kind === 'snapshot-first') return { kind: 'snapshot-first', ref: record?.ref ?? '' };
    const live = mode.kind === 'live';
    const openers = await volumeOpeners(ctx, volumes, asVdiUuid(i.leaf));
    const others = live ? foreign(openers) : openers;
    if (others.length > 0) return { kind: 'skip', reason: `${i.leaf} is open (${others.map(describeOpener).join('; ')})` };
    if (live) ctx.log.info('live leaf-coalesce: pausing the VM on every host', { vdi: i.leaf, hosts: record?.attachedOn });
    const result = await leafCoalesce(ctx, volumes, journal, xapiVdis, i.leaf, i.parent, { live, ...(i.onProgress ? { onProgress: i.onProgress } : {}) });
    return { kind: 'merged', live, result };
  });
  if (decided.kind !== 'snapshot-first') return decided;
  i.rounds.push(i.leafBytes);
  ctx.log.info('the leaf is too big for a short pause: snapshotting it so that its data merges while the VM runs', { vdi: i.leaf, bytes: i.leafBytes });
  const snapshot = await ctx.xapi.vdi.snapshot(decided.ref, { type: 'internal' });
  return { kind: 'snapshotted', snapshot: String(await ctx.xapi.vdi.get(snapshot, 'uuid')) };
}
