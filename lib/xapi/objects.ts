/**
 * The calls every XenAPI class shares (`<class>.get_record`, `get_by_uuid`, `get_all_records_where`,
 * field getters and setters, map edits), typed by record. Class-specific helpers build on this.
 */
import type { XmlRpcValue } from '../smapi/xmlrpc.js';
import type { XapiCaller } from './client.js';
import type { Ref } from './types.js';
import type { XapiArg } from './values.js';

/** Generic, typed access to one XenAPI class. */
export type ObjectApi<R> = {
  getRecord(ref: Ref): Promise<R>;
  getAll(): Promise<Ref[]>;
  getAllRecords(): Promise<Record<Ref, R>>;
  /** `expr` as sm writes it, e.g. `field "SR" = "OpaqueRef:…"` (see fieldEquals). */
  getAllRecordsWhere(expr: string): Promise<Record<Ref, R>>;
  getByUuid(uuid: string): Promise<Ref>;
  getUuid(ref: Ref): Promise<string>;
  get<K extends keyof R & string>(ref: Ref, field: K): Promise<R[K]>;
  set(ref: Ref, field: string, value: XapiArg): Promise<void>;
  /** Fails with MAP_DUPLICATE_KEY if the key exists: remove first when replacing. */
  addToMap(ref: Ref, field: string, key: string, value: string): Promise<void>;
  /** Removing a missing key is not an error in XAPI. */
  removeFromMap(ref: Ref, field: string, key: string): Promise<void>;
  /** remove_from then add_to: the idiom sm uses to overwrite one map entry. */
  putInMap(ref: Ref, field: string, key: string, value: string): Promise<void>;
};

/** Typed generic helpers for class `cls` (`VDI`, `SR`, `host`, …). */
export function objectApi<R>(c: XapiCaller, cls: string): ObjectApi<R> {
  const api: ObjectApi<R> = {
    getRecord: async (ref) => (await c.call<XmlRpcValue>(`${cls}.get_record`, ref)) as R,
    getAll: async () => (await c.call<XmlRpcValue>(`${cls}.get_all`)) as Ref[],
    getAllRecords: async () => ({ ...((await c.call<XmlRpcValue>(`${cls}.get_all_records`)) as Record<Ref, R>) }),
    getAllRecordsWhere: async (expr) => ({ ...((await c.call<XmlRpcValue>(`${cls}.get_all_records_where`, expr)) as Record<Ref, R>) }),
    getByUuid: (uuid) => c.call<Ref>(`${cls}.get_by_uuid`, uuid),
    getUuid: (ref) => c.call<string>(`${cls}.get_uuid`, ref),
    get: async (ref, field) => (await c.call<XmlRpcValue>(`${cls}.get_${field}`, ref)) as never,
    set: async (ref, field, value) => {
      await c.call(`${cls}.set_${field}`, ref, value);
    },
    addToMap: async (ref, field, key, value) => {
      await c.call(`${cls}.add_to_${field}`, ref, key, value);
    },
    removeFromMap: async (ref, field, key) => {
      await c.call(`${cls}.remove_from_${field}`, ref, key);
    },
    putInMap: async (ref, field, key, value) => {
      await api.removeFromMap(ref, field, key);
      await api.addToMap(ref, field, key, value);
    },
  };
  return api;
}
