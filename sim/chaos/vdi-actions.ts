/**
 * The soak's VDI ops through XenAPI, each applied to the model as its outcome allows (model.ts): create,
 * destroy, resize (grow), snapshot, clone, revert in place (VDI.revert) and by clone (the snapshot's
 * clone takes the place of the disk it was taken of, which is destroyed, as VM.revert does without
 * VDI_REVERT), and a backup job's snapshot and destroy.
 */
import { opName, type ChaosContext, type OpId, type OpResult } from './context.js';
import { attempt, driverRun, madeUuid, mark, onVdi } from './xen-call.js';
import { unplug } from './vm-actions.js';

export async function createDisk(ctx: ChaosContext, id: OpId, sizeBytes: number): Promise<OpResult> {
  const label = `chaos-w${id.worker}-${id.index}`;
  const since = mark(ctx);
  const r = await attempt(() => ctx.xapi.vdi.create({ SR: ctx.srRef, virtual_size: sizeBytes, name_label: label }));
  let uuid: string | undefined;
  let size = sizeBytes;
  if (r.ok) {
    uuid = await ctx.xapi.vdi.getUuid(r.value);
    ctx.refs.set(uuid, r.value);
    size = Number(await ctx.xapi.vdi.get(r.value, 'virtual_size'));
  } else {
    uuid = madeUuid(driverRun(ctx, since, 'vdi_create', (p) => Array.isArray(p['args']) && p['args'][1] === label));
  }
  if (uuid === undefined) {
    ctx.model.createFailed({ label, sizeBytes, owner: id.worker, op: `create ${opName(id)}` });
    return { ...r, note: 'a VDI may or may not be left (empty)' };
  }
  ctx.model.add({ uuid, label, role: 'disk', owner: id.worker, sizes: [size], origin: `create ${opName(id)}`, ref: r.ok ? r.value : undefined });
  return r.ok ? { ok: true, note: uuid } : { ...r, note: `the driver made ${uuid}: it must exist` };
}

/** Snapshot (role snapshot) or clone (role disk) of `source`. */
export async function copyVdi(ctx: ChaosContext, id: OpId, source: string, verb: 'snapshot' | 'clone', purpose: string = verb): Promise<OpResult & { uuid?: string }> {
  const since = mark(ctx);
  const r = await attempt(() => onVdi(ctx, source, (ref) => (verb === 'snapshot' ? ctx.xapi.vdi.snapshot(ref) : ctx.xapi.vdi.clone(ref))));
  const uuid = r.ok ? await ctx.xapi.vdi.getUuid(r.value) : madeUuid(driverRun(ctx, since, `vdi_${verb}`, (p) => p['vdi_uuid'] === source));
  if (uuid === undefined) {
    ctx.model.copyFailed({ source, verb, op: opName(id) });
    return { ...r, note: `no ${verb} may be left` };
  }
  if (r.ok) ctx.refs.set(uuid, r.value);
  const from = ctx.model.get(source);
  ctx.model.copy(source, {
    uuid, label: `${from.label}>${verb}-w${id.worker}-${id.index}`, role: verb === 'snapshot' ? 'snapshot' : 'disk', owner: id.worker,
    origin: `${purpose} of ${source} by ${opName(id)}`, ref: r.ok ? r.value : undefined,
  });
  if (verb === 'snapshot') ctx.snapshotOf.set(uuid, source);
  return r.ok ? { ok: true, uuid, note: uuid } : { ...r, uuid, note: `the driver made ${uuid}: it must exist` };
}

export async function destroyVdi(ctx: ChaosContext, id: OpId, uuid: string): Promise<OpResult> {
  const vm = ctx.vms.get(uuid);
  if (vm !== undefined && vm.host === undefined) {
    // Its VM goes first (a halted VM, as xapi's VM.destroy of a VM and its disks).
    const gone = await attempt(() => ctx.xapi.call('VM.destroy', vm.vm));
    if (gone.ok) ctx.vms.delete(uuid);
  }
  const since = mark(ctx);
  const r = await attempt(() => onVdi(ctx, uuid, (ref) => ctx.xapi.vdi.destroy(ref)));
  const ok = r.ok || driverRun(ctx, since, 'vdi_delete', (p) => p['vdi_uuid'] === uuid)?.outcome.kind === 'ok';
  ctx.model.destroyed(uuid, `destroy ${opName(id)}`, ok);
  if (ok) {
    ctx.refs.delete(uuid);
    ctx.snapshotOf.delete(uuid);
  }
  return r.ok ? { ok: true } : { ...r, note: ok ? 'the driver deleted it' : 'it may be gone, or whole' };
}

export async function resizeVdi(ctx: ChaosContext, uuid: string, sizeBytes: number): Promise<OpResult> {
  const r = await attempt(() => onVdi(ctx, uuid, async (ref) => {
    await ctx.xapi.vdi.resize(ref, sizeBytes);
    return Number(await ctx.xapi.vdi.get(ref, 'virtual_size'));
  }));
  if (r.ok) ctx.model.resize(uuid, r.value, true);
  else ctx.model.resize(uuid, sizeBytes, false);
  return r.ok ? { ok: true } : { ...r, note: `size ${ctx.model.get(uuid).sizes.join(' or ')}` };
}

/** VDI.revert of `disk` (shut down first if it runs) to its snapshot: the disk keeps its uuid and ref. */
export async function revertInPlace(ctx: ChaosContext, snapshot: string, disk: string): Promise<OpResult> {
  if (ctx.vms.get(disk)?.host !== undefined) {
    const down = await unplug(ctx, disk);
    if (!down.ok) return { ...down, note: `not reverted: ${disk} still runs` };
  }
  const r = await attempt(() => onVdi(ctx, snapshot, (ref) => ctx.xapi.call('VDI.revert', ref)));
  ctx.model.reverted(disk, snapshot, r.ok);
  return r.ok ? { ok: true, note: `${disk} reverted to ${snapshot}` } : { ...r, note: `${disk} holds its data or the snapshot's` };
}

/** Revert by clone: clone the snapshot, then the disk it was taken of (shut down if it runs) is destroyed. */
export async function revert(ctx: ChaosContext, id: OpId, snapshot: string, replaces: string | undefined): Promise<OpResult> {
  const made = await copyVdi(ctx, id, snapshot, 'clone', 'revert');
  if (!made.ok || replaces === undefined) return made;
  if (ctx.vms.get(replaces)?.host !== undefined) {
    const down = await unplug(ctx, replaces);
    if (!down.ok) return { ...down, note: `reverted into ${made.uuid}; the old disk still runs` };
  }
  const gone = await destroyVdi(ctx, id, replaces);
  return gone.ok ? { ok: true, note: `${made.uuid} replaces ${replaces}` } : { ...gone, note: `reverted into ${made.uuid}; ${gone.note ?? ''}` };
}

/**
 * What a backup job does to a disk (snapshot, export, destroy the snapshot): it leaves its base with one
 * child, work for the collector run that follows.
 */
export async function backupCycle(ctx: ChaosContext, id: OpId, disk: string): Promise<OpResult> {
  const snap = await copyVdi(ctx, id, disk, 'snapshot', 'backup');
  if (snap.uuid === undefined) return { ...snap, note: `backup snapshot of ${disk}: ${snap.note ?? ''}` };
  const gone = await destroyVdi(ctx, id, snap.uuid);
  return gone.ok ? { ok: true, note: `backup snapshot ${snap.uuid} of ${disk} taken and destroyed` } : { ...gone, note: `backup snapshot ${snap.uuid}: ${gone.note ?? ''}` };
}
