/**
 * Resync of a resource definition's replicas, as DRBD shows it: while a resync runs (a test starts one
 * for a while with the `syncing_for_ms` control), the first diskful replica is the sync source and stays
 * UpToDate, every other diskful replica is a sync target whose disk is Inconsistent. The sync-status
 * endpoint, the resize rule (every diskful replica UpToDate) and the views all read the disk state here.
 */
import { isDiskless } from './deploy.js';
import type { SimResource, SimResourceDefinition } from './model.js';

/** True while a resync started by the control runs on `rd`. */
export function isSyncing(rd: SimResourceDefinition, nowMs: number): boolean {
  return rd.syncingUntilMs !== undefined && nowMs < rd.syncingUntilMs;
}

/** The DRBD disk state `r` reports now (its own state, or Inconsistent as a sync target). */
export function diskStateOf(rd: SimResourceDefinition, r: SimResource, nowMs: number): string {
  if (isDiskless(r) || !isSyncing(rd, nowMs)) return r.diskState;
  const source = Object.values(rd.resources).find((p) => !isDiskless(p));
  return r === source ? r.diskState : 'Inconsistent';
}

/** What `GET …/sync-status` answers: no resync running and every diskful replica UpToDate. */
export function syncedOnAll(rd: SimResourceDefinition, nowMs: number): boolean {
  return Object.values(rd.resources).every((r) => isDiskless(r) || diskStateOf(rd, r, nowMs) === 'UpToDate');
}
