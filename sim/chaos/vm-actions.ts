/**
 * Disks run in VMs, as xapi runs them: one VM per disk with one RW VBD; `plug` is VM.start_on a host
 * (xapi's VBD plug: vdi_attach then vdi_activate there, diskless on demand on a host without a replica),
 * `unplug` is VM.clean_shutdown (vdi_deactivate then vdi_detach). A host the VM runs on is leased so
 * that no power cycle hits it. Also the read-only VMs the checker starts to read a disk elsewhere.
 */
import type { ChaosContext, OpResult } from './context.js';
import { attempt, onVdi, type CallOutcome } from './xen-call.js';

type VmResult = OpResult;

async function powerState(ctx: ChaosContext, vm: string): Promise<{ state: string; host: string | undefined }> {
  const state = await ctx.xapi.call<string>('VM.get_power_state', vm);
  if (state !== 'Running') return { state, host: undefined };
  const ref = await ctx.xapi.call<string>('VM.get_resident_on', vm);
  return { state, host: ctx.pool.xapi.hostByRef(ref).name };
}

async function makeVm(ctx: ChaosContext, uuid: string, label: string, mode: 'RW' | 'RO'): Promise<string> {
  const vm = await ctx.xapi.call<string>('VM.create', { name_label: label });
  await onVdi(ctx, uuid, (ref) => ctx.xapi.call('VBD.create', { VM: vm, VDI: ref, mode, type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} }));
  return vm;
}

/** `host` if a VM may start there now, else the next host (pool order) that is up and not reserved. */
function usableHost(ctx: ChaosContext, host: string): string | undefined {
  const names = ctx.pool.spec.hosts.map((h) => h.name);
  const start = Math.max(0, names.indexOf(host));
  for (let i = 0; i < names.length; i += 1) {
    const h = names[(start + i) % names.length]!;
    if (ctx.pool.runtime.host(h).up && !ctx.leases.reserved(h)) return h;
  }
  return undefined;
}

/** Shuts the disk's VM down; the VM is halted afterwards unless XAPI says it still runs. */
export async function unplug(ctx: ChaosContext, uuid: string): Promise<VmResult> {
  const vm = ctx.vms.get(uuid);
  if (vm?.host === undefined) return { ok: true, note: 'not running' };
  const r = await attempt(() => ctx.xapi.call('VM.clean_shutdown', vm.vm));
  const now = r.ok ? { state: 'Halted', host: undefined } : await powerState(ctx, vm.vm).catch(() => ({ state: 'unknown', host: vm.host }));
  if (now.host === undefined) {
    ctx.leases.release(vm.host);
    vm.host = undefined;
  }
  return r.ok ? { ok: true } : { ...r, note: `VM ${now.state.toLowerCase()}` };
}

/** Starts the disk's VM on `host` (moved there if it runs elsewhere). */
export async function plug(ctx: ChaosContext, uuid: string, wanted: string, owner: number): Promise<VmResult & { host?: string }> {
  let vm = ctx.vms.get(uuid);
  if (vm?.host !== undefined) {
    const down = await unplug(ctx, uuid);
    if (!down.ok) return down;
  }
  const host = usableHost(ctx, wanted);
  if (host === undefined || !ctx.leases.take(host)) return { ok: true, note: 'no host can start a VM now' };
  if (vm === undefined) {
    const made = await attempt(() => makeVm(ctx, uuid, `chaos-vm-${uuid.slice(0, 8)}`, 'RW'));
    if (!made.ok) {
      ctx.leases.release(host);
      return made;
    }
    vm = { vm: made.value, host: undefined, owner };
    ctx.vms.set(uuid, vm);
  }
  const { vm: vmRef } = vm;
  const r: CallOutcome<unknown> = await attempt(() => ctx.xapi.call('VM.start_on', vmRef, ctx.pool.xapi.host(host).ref, false, false));
  const now = r.ok ? { state: 'Running', host } : await powerState(ctx, vmRef).catch(() => ({ state: 'unknown', host: undefined }));
  if (now.host === undefined) ctx.leases.release(host);
  else if (now.host !== host) {
    ctx.leases.release(host);
    ctx.leases.take(now.host);
  }
  vm.host = now.host;
  return r.ok ? { ok: true, host, note: host === wanted ? host : `${host} (${wanted} unavailable)` } : { ...r, note: `VM ${now.state.toLowerCase()}` };
}

/**
 * Drops the VMs of `owner`'s disks that the model no longer has (destroyed, or found gone by a check):
 * shut down if they run, then destroyed. A failure is logged and left to the next call.
 */
export async function dropStaleVms(ctx: ChaosContext, owner: number): Promise<void> {
  for (const [uuid, vm] of [...ctx.vms]) {
    if (vm.owner !== owner || ctx.model.vdis.has(uuid)) continue;
    await ctx.diskLocks.run([uuid], async () => {
      if (vm.host !== undefined) await unplug(ctx, uuid);
      if (vm.host !== undefined) return;
      const r = await attempt(() => ctx.xapi.call('VM.destroy', vm.vm));
      if (r.ok) ctx.vms.delete(uuid);
      else ctx.log.entry({ worker: owner, step: 'drop-vm', vdi: uuid, error: r.error });
    });
  }
}

/** Starts a read-only VM of `uuid` on `host` for the checker; answers the VM, or the failure. */
export async function startReader(ctx: ChaosContext, uuid: string, host: string): Promise<CallOutcome<string>> {
  const made = await attempt(() => makeVm(ctx, uuid, `chaos-check-${uuid.slice(0, 8)}`, 'RO'));
  if (!made.ok) return made;
  const r = await attempt(() => ctx.xapi.call('VM.start_on', made.value, ctx.pool.xapi.host(host).ref, false, false));
  if (!r.ok) {
    await attempt(() => ctx.xapi.call('VM.destroy', made.value));
    return r;
  }
  return made;
}

/** Shuts a reader VM down and destroys it. */
export async function stopReader(ctx: ChaosContext, vm: string): Promise<CallOutcome<unknown>> {
  const r = await attempt(() => ctx.xapi.call('VM.clean_shutdown', vm));
  if (r.ok) await attempt(() => ctx.xapi.call('VM.destroy', vm));
  return r;
}
