/**
 * Typed helpers for the pool, hosts and networks (where the driver finds other hosts and their
 * addresses), host plugins, and the VM/VBD/task calls the conformance suite and tests make.
 */
import type { XapiCaller } from './client.js';
import { objectApi, type ObjectApi } from './objects.js';
import type { HostRecord, PifRecord, PoolRecord, Ref, StringMap, TaskRecord, VbdRecord, VmRecord } from './types.js';

/** pool helpers. */
export function poolApi(c: XapiCaller): ObjectApi<PoolRecord> & { getMaster(): Promise<Ref>; the(): Promise<Ref> } {
  const api = objectApi<PoolRecord>(c, 'pool');
  const the = async (): Promise<Ref> => {
    const [ref] = await api.getAll();
    if (ref === undefined) throw new Error('XAPI has no pool object');
    return ref;
  };
  return { ...api, the, getMaster: async () => api.get(await the(), 'master') };
}

/** host helpers. */
export type HostApi = ObjectApi<HostRecord> & {
  /**
   * host.call_plugin: xapi runs `/etc/xapi.d/plugins/<plugin>` on `host` with `fn` and string args,
   * and returns the plugin's string (JSON text for structured answers).
   */
  callPlugin(host: Ref, plugin: string, fn: string, args: StringMap): Promise<string>;
  getByNameLabel(label: string): Promise<Ref[]>;
};

/** host helpers over `c`. */
export function hostApi(c: XapiCaller): HostApi {
  return {
    ...objectApi<HostRecord>(c, 'host'),
    callPlugin: (host, plugin, fn, args) => c.call<string>('host.call_plugin', host, plugin, fn, { ...args }),
    getByNameLabel: (label) => c.call<Ref[]>('host.get_by_name_label', label),
  };
}

/** PIF helpers. */
export function pifApi(c: XapiCaller): ObjectApi<PifRecord> {
  return objectApi<PifRecord>(c, 'PIF');
}

/**
 * VM helpers: enough to run disks on a chosen host. `create` sends the few fields the simulator needs;
 * a real XAPI wants a full VM record, so on a real pool clone a template instead.
 */
export type VmApi = ObjectApi<VmRecord> & {
  create(record: { name_label: string; other_config?: StringMap }): Promise<Ref>;
  startOn(vm: Ref, host: Ref, startPaused?: boolean, force?: boolean): Promise<void>;
  cleanShutdown(vm: Ref): Promise<void>;
  hardShutdown(vm: Ref): Promise<void>;
  destroy(vm: Ref): Promise<void>;
  getVBDs(vm: Ref): Promise<Ref[]>;
};

/** VM helpers over `c`. */
export function vmApi(c: XapiCaller): VmApi {
  return {
    ...objectApi<VmRecord>(c, 'VM'),
    create: (record) => c.call<Ref>('VM.create', { name_label: record.name_label, other_config: { ...record.other_config } }),
    startOn: async (vm, host, startPaused = false, force = false) => void (await c.call('VM.start_on', vm, host, startPaused, force)),
    cleanShutdown: async (vm) => void (await c.call('VM.clean_shutdown', vm)),
    hardShutdown: async (vm) => void (await c.call('VM.hard_shutdown', vm)),
    destroy: async (vm) => void (await c.call('VM.destroy', vm)),
    getVBDs: (vm) => c.call<Ref[]>('VM.get_VBDs', vm),
  };
}

/** VBD helpers. */
export type VbdApi = ObjectApi<VbdRecord> & {
  create(o: { VM: Ref; VDI: Ref; userdevice?: string; mode?: 'RO' | 'RW'; type?: string; bootable?: boolean; other_config?: StringMap }): Promise<Ref>;
  plug(ref: Ref): Promise<void>;
  unplug(ref: Ref): Promise<void>;
  destroy(ref: Ref): Promise<void>;
};

/** VBD helpers over `c`. */
export function vbdApi(c: XapiCaller): VbdApi {
  return {
    ...objectApi<VbdRecord>(c, 'VBD'),
    create: (o) =>
      c.call<Ref>('VBD.create', {
        VM: o.VM, VDI: o.VDI, userdevice: o.userdevice ?? 'autodetect', mode: o.mode ?? 'RW', type: o.type ?? 'Disk',
        bootable: o.bootable ?? false, empty: false, unpluggable: true, other_config: { ...o.other_config },
        qos_algorithm_type: '', qos_algorithm_params: {},
      }),
    plug: async (ref) => void (await c.call('VBD.plug', ref)),
    unplug: async (ref) => void (await c.call('VBD.unplug', ref)),
    destroy: async (ref) => void (await c.call('VBD.destroy', ref)),
  };
}

/** task helpers (the driver reports progress on its `subtask_of`). */
export type TaskApi = ObjectApi<TaskRecord> & {
  create(label: string, description?: string): Promise<Ref>;
  destroy(ref: Ref): Promise<void>;
  setProgress(ref: Ref, fraction: number): Promise<void>;
  getProgress(ref: Ref): Promise<number>;
};

/** task helpers over `c`. */
export function taskApi(c: XapiCaller): TaskApi {
  return {
    ...objectApi<TaskRecord>(c, 'task'),
    create: (label, description = '') => c.call<Ref>('task.create', label, description),
    destroy: async (ref) => void (await c.call('task.destroy', ref)),
    // A whole number would travel as an int string; progress is a double, so keep it fractional on the wire.
    setProgress: async (ref, fraction) => void (await c.call('task.set_progress', ref, Number.isInteger(fraction) ? fraction + Number.EPSILON : fraction)),
    getProgress: async (ref) => Number(await c.call('task.get_progress', ref)),
  };
}
