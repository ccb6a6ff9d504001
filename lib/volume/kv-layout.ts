/**
 * The SR's key-value layout in LINSTOR (spec/sm-linstor.md §3.2, DESIGN.md compatibility table): every
 * key this project reads or writes, and the value formats, byte for byte what the Python driver writes.
 *
 * Keys are paths. The Python `linstor.KV` sends them with a leading `/` and LINSTOR lists them without
 * it; we write them the Python way ({@link wireKey}) and read both spellings ({@link normaliseKey}).
 */
import { asVdiUuid, type VdiUuid } from './naming.js';

/** `xcp/volume/<uuid>/not-exists`: the volume's lifecycle state. */
export const FIELD_NOT_EXISTS = 'not-exists';
/** `xcp/volume/<uuid>/volume-name`: the resource definition that holds the VDI. */
export const FIELD_VOLUME_NAME = 'volume-name';
/** `xcp/volume/<uuid>/metadata`: the VDI metadata JSON ({@link VdiMetadata}). */
export const FIELD_METADATA = 'metadata';
/** `xcp/volume/<uuid>/readonly-timestamp`: the volume lock, Python's `str(time.time())`. */
export const FIELD_READONLY_TIMESTAMP = 'readonly-timestamp';
/** `xcp/volume/<uuid>/updating-uuid-src`: on the destination of a uuid rename in progress, the source uuid. */
export const FIELD_UPDATING_UUID_SRC = 'updating-uuid-src';

/** The SR name mirror `{"name_label":…, "name_description":…}`. */
export const SR_METADATA_KEY = 'xcp/sr/metadata';
/** The SR uuid: our addition (invisible to the Python driver) so that `sr_probe` can name the SR. */
export const SR_UUID_KEY = 'xcp/sr/uuid';
/** Namespace of the journal entries `xcp/sr/journal/<type>/<id>` (§5). */
export const JOURNAL_NAMESPACE = 'xcp/sr/journal';
/** Namespace of the volumes. */
export const VOLUME_NAMESPACE = 'xcp/volume';

/** Values of `not-exists`: EXISTS `'0'`, NOT_EXISTS `'1'` (being destroyed or bad), CREATING `'2'`. */
export const VOLUME_STATE = { EXISTS: '0', NOT_EXISTS: '1', CREATING: '2' } as const;
/** One of the {@link VOLUME_STATE} strings. */
export type VolumeStateValue = (typeof VOLUME_STATE)[keyof typeof VOLUME_STATE];

/** A key as LINSTOR stores and lists it: no leading `/`, empty segments dropped (its own sanitising). */
export function normaliseKey(key: string): string {
  return key
    .split('/')
    .filter((s) => s !== '')
    .join('/');
}

/** A key as the Python client sends it (leading `/`), so that our requests match its requests. */
export function wireKey(key: string): string {
  return `/${normaliseKey(key)}`;
}

/** Props as listed, with keys normalised (a store seeded with `/xcp/…` keys reads the same). */
export function normaliseProps(props: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) out[normaliseKey(k)] = v;
  return out;
}

/** `xcp/volume/<uuid>` */
export function volumeNamespace(uuid: VdiUuid): string {
  return `${VOLUME_NAMESPACE}/${uuid}`;
}

/** `xcp/volume/<uuid>/<field>` */
export function volumeKey(uuid: VdiUuid, field: string): string {
  return `${volumeNamespace(uuid)}/${field}`;
}

/** Every field of one VDI namespace as stored; absent keys are undefined. */
export type VolumeRecord = {
  readonly uuid: VdiUuid;
  readonly state: string | undefined;
  readonly volumeName: string | undefined;
  readonly metadata: string | undefined;
  readonly readonlyTimestamp: string | undefined;
  readonly updatingUuidSrc: string | undefined;
  /** Every key of the namespace (normalised), including ones we do not know. */
  readonly keys: readonly string[];
};

/** Groups the `xcp/volume/<uuid>/<field>` keys of normalised props by uuid (one pass, any number of VDIs). */
export function volumeRecords(props: Readonly<Record<string, string>>): Map<VdiUuid, VolumeRecord> {
  const fields = new Map<string, Map<string, string>>();
  const keys = new Map<string, string[]>();
  const prefix = `${VOLUME_NAMESPACE}/`;
  for (const [key, value] of Object.entries(props)) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    const uuid = slash < 0 ? rest : rest.slice(0, slash);
    if (uuid === '') continue;
    if (!keys.has(uuid)) {
      keys.set(uuid, []);
      fields.set(uuid, new Map());
    }
    keys.get(uuid)?.push(key);
    if (slash >= 0) fields.get(uuid)?.set(rest.slice(slash + 1), value);
  }
  const out = new Map<VdiUuid, VolumeRecord>();
  for (const [uuid, f] of fields) {
    const vdi = asVdiUuid(uuid);
    out.set(vdi, {
      uuid: vdi,
      state: f.get(FIELD_NOT_EXISTS),
      volumeName: f.get(FIELD_VOLUME_NAME),
      metadata: f.get(FIELD_METADATA),
      readonlyTimestamp: f.get(FIELD_READONLY_TIMESTAMP),
      updatingUuidSrc: f.get(FIELD_UPDATING_UUID_SRC),
      keys: keys.get(uuid) ?? [],
    });
  }
  return out;
}

/**
 * The VDI metadata JSON: the srmetadata tags (§3.2). The Python driver merges partial updates into it,
 * so every key is optional here and unknown keys are kept.
 */
export type VdiMetadata = {
  name_label?: string;
  name_description?: string;
  is_a_snapshot?: boolean;
  snapshot_of?: string | null;
  snapshot_time?: string;
  type?: string;
  vdi_type?: string;
  read_only?: boolean;
  metadata_of_pool?: string;
  hidden?: boolean;
  cbtlog?: string;
  [key: string]: unknown;
};

/** The SR name mirror in `xcp/sr/metadata`. */
export type SrMetadata = { name_label?: string; name_description?: string; [key: string]: unknown };

/** Thrown when a stored JSON value cannot be parsed as an object. */
export class KvFormatError extends Error {
  override name = 'KvFormatError';
}

/** Parses a metadata JSON value (VDI or SR); an absent value is `{}`. */
export function parseMetadata<T extends Record<string, unknown> = VdiMetadata>(text: string | undefined, what = 'metadata'): T {
  if (text === undefined || text === '') return {} as T;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KvFormatError(`${what} is not JSON: ${text.slice(0, 100)}`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new KvFormatError(`${what} is not a JSON object: ${text.slice(0, 100)}`);
  return value as T;
}

/**
 * Python's `json.dumps(obj)`: `", "` and `": "` separators, non-ASCII escaped as lower-case `\uXXXX`
 * (ensure_ascii). The Python driver would read `JSON.stringify`'s output too; this keeps the stored
 * bytes identical to what it writes itself.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  throw new TypeError(`cannot serialise ${typeof value} as JSON`);
}

/** Python's `repr(float)`: the shortest round-trip digits (as JS), `.0` on integral values. */
export function pythonFloat(value: number): string {
  const text = String(value);
  return /[.eEn]/.test(text) ? text : `${text}.0`;
}

/** The `readonly-timestamp` value for `nowMs`: Python's `str(time.time())`. */
export function formatTimestamp(nowMs: number): string {
  return pythonFloat(nowMs / 1000);
}

/** Milliseconds since the epoch of a `readonly-timestamp`, or undefined when it is not a number. */
export function parseTimestampMs(text: string): number | undefined {
  const seconds = Number(text.trim());
  return text.trim() === '' || !Number.isFinite(seconds) ? undefined : seconds * 1000;
}
