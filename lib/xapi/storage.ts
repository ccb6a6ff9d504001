/**
 * Typed helpers for the storage classes a driver touches: VDI (incl. the SM-session-only calls of
 * spec/smapi-protocol.md §4.1, `db_introduce` with its 19 arguments), SR, PBD and SM.
 */
import type { XapiCaller } from './client.js';
import { objectApi, type ObjectApi } from './objects.js';
import type { DbIntroduceFields, PbdRecord, Ref, SmRecord, SrRecord, StringMap, VdiRecord } from './types.js';
import { fieldEquals, toXapiInt } from './values.js';

/** VDI helpers. */
export type VdiApi = ObjectApi<VdiRecord> & {
  /** Makes XAPI's DB know a VDI the driver created (SM session only). Returns the new ref. */
  dbIntroduce(fields: DbIntroduceFields): Promise<Ref>;
  /** Removes the DB row only (SM session only). */
  dbForget(ref: Ref): Promise<void>;
  setVirtualSize(ref: Ref, bytes: number | bigint): Promise<void>;
  setPhysicalUtilisation(ref: Ref, bytes: number | bigint): Promise<void>;
  getSmConfig(ref: Ref): Promise<StringMap>;
  addToSmConfig(ref: Ref, key: string, value: string): Promise<void>;
  removeFromSmConfig(ref: Ref, key: string): Promise<void>;
  /** All VDI records of an SR. */
  recordsOfSr(sr: Ref): Promise<Record<Ref, VdiRecord>>;
  /** Storage operations (xapi runs the driver for these). */
  create(record: Partial<Record<keyof VdiRecord, unknown>> & { SR: Ref; virtual_size: number | bigint }): Promise<Ref>;
  destroy(ref: Ref): Promise<void>;
  snapshot(ref: Ref, driverParams?: StringMap): Promise<Ref>;
  clone(ref: Ref, driverParams?: StringMap): Promise<Ref>;
  resize(ref: Ref, bytes: number | bigint): Promise<void>;
  update(ref: Ref): Promise<void>;
};

/** VDI helpers over `c`. */
export function vdiApi(c: XapiCaller): VdiApi {
  return {
    ...objectApi<VdiRecord>(c, 'VDI'),
    dbIntroduce: (f) =>
      c.call<Ref>(
        'VDI.db_introduce',
        f.uuid, f.name_label, f.name_description, f.SR, f.type, f.sharable, f.read_only, { ...f.other_config }, f.location,
        { ...f.xenstore_data }, { ...f.sm_config }, f.managed, toXapiInt(f.virtual_size), toXapiInt(f.physical_utilisation),
        f.metadata_of_pool, f.is_a_snapshot, f.snapshot_time, f.snapshot_of, f.cbt_enabled,
      ),
    dbForget: async (ref) => void (await c.call('VDI.db_forget', ref)),
    setVirtualSize: async (ref, bytes) => void (await c.call('VDI.set_virtual_size', ref, toXapiInt(bytes))),
    setPhysicalUtilisation: async (ref, bytes) => void (await c.call('VDI.set_physical_utilisation', ref, toXapiInt(bytes))),
    getSmConfig: async (ref) => ({ ...(await c.call<StringMap>('VDI.get_sm_config', ref)) }),
    addToSmConfig: async (ref, key, value) => void (await c.call('VDI.add_to_sm_config', ref, key, value)),
    removeFromSmConfig: async (ref, key) => void (await c.call('VDI.remove_from_sm_config', ref, key)),
    recordsOfSr: async (sr) => ({ ...(await c.call<Record<Ref, VdiRecord>>('VDI.get_all_records_where', fieldEquals('SR', sr))) }),
    create: (record) => c.call<Ref>('VDI.create', { ...defaultVdi(), ...record } as never),
    destroy: async (ref) => void (await c.call('VDI.destroy', ref)),
    snapshot: (ref, driverParams = {}) => c.call<Ref>('VDI.snapshot', ref, { ...driverParams }),
    clone: (ref, driverParams = {}) => c.call<Ref>('VDI.clone', ref, { ...driverParams }),
    resize: async (ref, bytes) => void (await c.call('VDI.resize', ref, toXapiInt(bytes))),
    update: async (ref) => void (await c.call('VDI.update', ref)),
  };
}

function defaultVdi(): Record<string, unknown> {
  return { name_label: '', name_description: '', type: 'user', sharable: false, read_only: false, other_config: {}, xenstore_data: {}, sm_config: {}, tags: [] };
}

/** SR helpers. */
export type SrApi = ObjectApi<SrRecord> & {
  setPhysicalSize(ref: Ref, bytes: number | bigint): Promise<void>;
  setPhysicalUtilisation(ref: Ref, bytes: number | bigint): Promise<void>;
  setVirtualAllocation(ref: Ref, bytes: number | bigint): Promise<void>;
  getSmConfig(ref: Ref): Promise<StringMap>;
  /** SR.create (xapi runs sr_create, then plugs the PBDs). */
  create(o: { host: Ref; deviceConfig: StringMap; physicalSize?: number; nameLabel: string; nameDescription?: string; type: string; contentType?: string; shared: boolean; smConfig?: StringMap }): Promise<Ref>;
  destroy(ref: Ref): Promise<void>;
  forget(ref: Ref): Promise<void>;
  scan(ref: Ref): Promise<void>;
  update(ref: Ref): Promise<void>;
  /** SR.probe: the driver's XML answer, verbatim. */
  probe(host: Ref, deviceConfig: StringMap, type: string, smConfig?: StringMap): Promise<string>;
};

/** SR helpers over `c`. */
export function srApi(c: XapiCaller): SrApi {
  return {
    ...objectApi<SrRecord>(c, 'SR'),
    setPhysicalSize: async (ref, n) => void (await c.call('SR.set_physical_size', ref, toXapiInt(n))),
    setPhysicalUtilisation: async (ref, n) => void (await c.call('SR.set_physical_utilisation', ref, toXapiInt(n))),
    setVirtualAllocation: async (ref, n) => void (await c.call('SR.set_virtual_allocation', ref, toXapiInt(n))),
    getSmConfig: async (ref) => ({ ...(await c.call<StringMap>('SR.get_sm_config', ref)) }),
    create: (o) =>
      c.call<Ref>('SR.create', o.host, { ...o.deviceConfig }, toXapiInt(o.physicalSize ?? 0), o.nameLabel, o.nameDescription ?? '', o.type, o.contentType ?? '', o.shared, { ...o.smConfig }),
    destroy: async (ref) => void (await c.call('SR.destroy', ref)),
    forget: async (ref) => void (await c.call('SR.forget', ref)),
    scan: async (ref) => void (await c.call('SR.scan', ref)),
    update: async (ref) => void (await c.call('SR.update', ref)),
    probe: (host, deviceConfig, type, smConfig = {}) => c.call<string>('SR.probe', host, { ...deviceConfig }, type, { ...smConfig }),
  };
}

/** PBD helpers. */
export type PbdApi = ObjectApi<PbdRecord> & {
  create(o: { host: Ref; SR: Ref; device_config: StringMap; other_config?: StringMap }): Promise<Ref>;
  plug(ref: Ref): Promise<void>;
  unplug(ref: Ref): Promise<void>;
  destroy(ref: Ref): Promise<void>;
  /** PBD.set_device_config (SM session only). */
  setDeviceConfig(ref: Ref, value: StringMap): Promise<void>;
  /** The PBDs of an SR. */
  recordsOfSr(sr: Ref): Promise<Record<Ref, PbdRecord>>;
};

/** PBD helpers over `c`. */
export function pbdApi(c: XapiCaller): PbdApi {
  return {
    ...objectApi<PbdRecord>(c, 'PBD'),
    create: (o) => c.call<Ref>('PBD.create', { host: o.host, SR: o.SR, device_config: { ...o.device_config }, other_config: { ...o.other_config } }),
    plug: async (ref) => void (await c.call('PBD.plug', ref)),
    unplug: async (ref) => void (await c.call('PBD.unplug', ref)),
    destroy: async (ref) => void (await c.call('PBD.destroy', ref)),
    setDeviceConfig: async (ref, value) => void (await c.call('PBD.set_device_config', ref, { ...value })),
    recordsOfSr: async (sr) => ({ ...(await c.call<Record<Ref, PbdRecord>>('PBD.get_all_records_where', fieldEquals('SR', sr))) }),
  };
}

/** SM (driver registration) records: sm reads its own to test capabilities. */
export function smApi(c: XapiCaller): ObjectApi<SmRecord> & { byType(type: string): Promise<Record<Ref, SmRecord>> } {
  return {
    ...objectApi<SmRecord>(c, 'SM'),
    byType: async (type) => ({ ...(await c.call<Record<Ref, SmRecord>>('SM.get_all_records_where', fieldEquals('type', type))) }),
  };
}
