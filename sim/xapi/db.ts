/**
 * The simulator's object database: one table per class, refs `OpaqueRef:<uuid>`, a uuid index, and the
 * computed set fields of XAPI records. Lookups fail with XAPI's own errors (HANDLE_INVALID, UUID_INVALID).
 */
import { randomUUID } from 'node:crypto';
import { fail } from './api-error.js';
import { CLASSES, DEFAULTS, REVERSE, type ClassName, type DbRecord } from './schema.js';
import type { XapiXmlValue } from './xml.js';

/** In-memory XAPI database. One per simulated pool. */
export class Db {
  readonly #tables = new Map<ClassName, Map<string, DbRecord>>(CLASSES.map((c) => [c, new Map()]));
  readonly #classOf = new Map<string, ClassName>();
  readonly #byUuid = new Map<string, string>();

  #table(cls: ClassName): Map<string, DbRecord> {
    const table = this.#tables.get(cls);
    if (!table) throw new Error(`unknown class ${cls}`);
    return table;
  }

  /** Adds a record; unspecified fields take the class defaults. Returns its ref. */
  create(cls: ClassName, fields: DbRecord = {}, uuid: string = randomUUID()): string {
    if (this.#byUuid.has(uuid)) fail('UUID_INVALID', cls, uuid);
    const ref = `OpaqueRef:${randomUUID()}`;
    this.#table(cls).set(ref, { ...DEFAULTS[cls](), ...fields, uuid });
    this.#classOf.set(ref, cls);
    this.#byUuid.set(uuid, ref);
    return ref;
  }

  /** True when `ref` names a live record of `cls`. */
  has(cls: ClassName, ref: string): boolean {
    return this.#table(cls).has(ref);
  }

  /** The class of a live ref, if any. */
  classOf(ref: string): ClassName | undefined {
    return this.#classOf.get(ref);
  }

  /** The stored fields (no computed sets). Throws HANDLE_INVALID for unknown refs. */
  get(cls: ClassName, ref: string): DbRecord {
    const record = this.#table(cls).get(ref);
    if (!record) fail('HANDLE_INVALID', cls, ref);
    return record;
  }

  /** A string field of a record. */
  str(cls: ClassName, ref: string, field: string): string {
    const v = this.get(cls, ref)[field];
    return typeof v === 'string' ? v : String(v);
  }

  /** The full record as XAPI returns it, computed sets included. */
  record(cls: ClassName, ref: string): DbRecord {
    const record: DbRecord = { ...this.get(cls, ref) };
    for (const [field, [other, via]] of Object.entries(REVERSE[cls] ?? {})) record[field] = this.refsWhere(other, (r) => r[via] === ref);
    return record;
  }

  /**
   * The full records of `refs`, as `record` makes each, with every computed set taken from one pass over
   * its table: `record` scans that table per record, which makes a listing quadratic in the VDI count.
   */
  records(cls: ClassName, refs: readonly string[]): Map<string, DbRecord> {
    const sets = Object.entries(REVERSE[cls] ?? {}).map(([field, [other, via]]) => [field, this.#refsBy(other, via)] as const);
    return new Map(
      refs.map((ref) => {
        const record: DbRecord = { ...this.get(cls, ref) };
        for (const [field, by] of sets) record[field] = by.get(ref) ?? [];
        return [ref, record];
      }),
    );
  }

  /** Refs of `cls` by the (ref) value of their field `via`, in table order as `refsWhere` lists them. */
  #refsBy(cls: ClassName, via: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [ref, record] of this.#table(cls)) {
      const target = record[via];
      if (typeof target !== 'string') continue;
      const refs = out.get(target);
      if (refs) refs.push(ref);
      else out.set(target, [ref]);
    }
    return out;
  }

  /** Refs of `cls` whose stored fields satisfy `pred`. */
  refsWhere(cls: ClassName, pred: (record: DbRecord, ref: string) => boolean): string[] {
    const out: string[] = [];
    for (const [ref, record] of this.#table(cls)) if (pred(record, ref)) out.push(ref);
    return out;
  }

  /** All refs of a class, in creation order. */
  all(cls: ClassName): string[] {
    return [...this.#table(cls).keys()];
  }

  /** The ref of the record with this uuid. Throws UUID_INVALID. */
  byUuid(cls: ClassName, uuid: string): string {
    const ref = this.#byUuid.get(uuid);
    if (ref === undefined || this.#classOf.get(ref) !== cls) fail('UUID_INVALID', cls, uuid);
    return ref;
  }

  /** Changes fields of a record. */
  set(cls: ClassName, ref: string, patch: Record<string, XapiXmlValue>): void {
    Object.assign(this.get(cls, ref), patch);
  }

  /** Removes a record (its ref becomes invalid). */
  destroy(cls: ClassName, ref: string): void {
    const record = this.get(cls, ref);
    this.#table(cls).delete(ref);
    this.#classOf.delete(ref);
    this.#byUuid.delete(String(record['uuid']));
  }
}
