/**
 * The shapes shared by the simulator's parts: the resolved hosts, the pool state handlers see, the
 * per-call context (session, the host whose socket or address received the call), method tables, and
 * argument readers that fail with XAPI's errors.
 */
import type { Logger } from '../../lib/log/logger.js';
import { isStruct, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { fail } from './api-error.js';
import type { Db } from './db.js';
import type { Execution } from './executions.js';
import type { ClassName, DbRecord } from './schema.js';
import type { XapiXmlValue } from './xml.js';

/** A simulated host as the pool description gives it. The first host of the list is the master. */
export type SimHostSpec = {
  readonly name: string;
  readonly uuid: string;
  /** Management address (the PIF on the first network; TCP XenAPI listens here). */
  readonly address: string;
  /** The host's root directory: what LINSTOR_SR_ROOT is for processes run on it. */
  readonly root: string;
  /** Directory of host tool stand-ins, put first on PATH. */
  readonly toolsPath?: string;
  /** Where to serve this host's XAPI socket; default `<root>/var/lib/xcp/xapi` or a short path. */
  readonly xapiSocketPath?: string;
  /** Address on the second network (a storage network DRBD traffic can be moved to). */
  readonly storageAddress?: string;
  /** Variables for this host's driver and plugin processes only (after the pool's). */
  readonly env?: Readonly<Record<string, string>>;
};

/** A host after start: its DB ref and where its socket really is. */
export type ResolvedHost = SimHostSpec & {
  readonly ref: string;
  readonly socketPath: string;
  /** False when the socket is not at `<root>/var/lib/xcp/xapi` (processes get LINSTOR_SR_XAPI_SOCKET). */
  readonly socketAtDefault: boolean;
};

/** Pool-wide settings handlers read. */
export type SimSettings = {
  readonly user: string;
  readonly password: string;
  readonly driverTimeoutMs: number;
  readonly pluginTimeoutMs: number;
  /** Extra variables for every driver and plugin process (LINSTOR_SR_TIME_SCALE, LINSTOR_SR_GC, …). */
  readonly env: Readonly<Record<string, string>>;
  /** Put before the system directories on PATH when set (the bundles use `env node`): see node-runtime.ts. */
  readonly nodeDir: string | undefined;
};

/** What every handler can reach. Implemented by XapiSimulator. */
export interface SimState {
  readonly db: Db;
  readonly hosts: readonly ResolvedHost[];
  readonly poolRef: string;
  readonly settings: SimSettings;
  readonly log: Logger | undefined;
  masterRef(): string;
  hostByRef(ref: string): ResolvedHost;
  /** The executable of an SR type's driver: the host's own `<root>/opt/xensource/sm/<Type>SR` first (an installed package), else the registered one. */
  driverFor(type: string, host?: ResolvedHost): string | undefined;
  /** The executable of a plugin on a host: `<root>/etc/xapi.d/plugins/<name>` first, else a built-in. */
  pluginFor(host: ResolvedHost, plugin: string): string | undefined;
  /** Consumes a fault armed for the next run of `verb` on `host`. */
  takeFault(host: string, verb: string): string | undefined;
  record(execution: Omit<Execution, 'id'>): Execution;
  /** Process groups of driver and plugin runs in flight. */
  readonly processes: Set<number>;
  /** Broken rules of the driver contract that xapi would not refuse (logging out the SM session, …). */
  readonly violations: string[];
  /** Hosts powered off (`xostor-sim host … down`): calls to them fail with HOST_OFFLINE. */
  readonly downHosts: Set<string>;
  /** Hosts whose `linstor-manager` answers as the pre-2026 Python plugin (legacy-plugin.ts). */
  readonly legacyPluginHosts: ReadonlySet<string>;
  /** Runs `fn` after every earlier holder of the named lock (xapi's in-process mutexes). */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** One incoming call. */
export type CallContext = {
  readonly sim: SimState;
  /** The session of the call ('' for session-less methods). */
  readonly sessionRef: string;
  /** The host whose socket or TCP address received the call. */
  readonly host: ResolvedHost;
  readonly transport: 'unix' | 'tcp';
  /** The `Subtask-of` header, if any. */
  readonly subtaskOf: string | undefined;
};

/** A XenAPI method: its argument count (after the session) and implementation. */
export type Method = {
  readonly arity: number;
  /** Highest accepted count when trailing arguments are optional (session.login_with_password). */
  readonly maxArity?: number;
  /** False for the login methods. */
  readonly session?: boolean;
  readonly fn: (ctx: CallContext, args: readonly XmlRpcValue[]) => XapiXmlValue | Promise<XapiXmlValue>;
};
/** Method name (`VDI.create`) → implementation. */
export type MethodTable = Record<string, Method>;

/** A string argument, or FIELD_TYPE_ERROR. */
export function argString(value: XmlRpcValue | undefined, name: string): string {
  return typeof value === 'string' ? value : fail('FIELD_TYPE_ERROR', name);
}

/** A boolean argument (xapi also takes `true`/`false` strings from some clients). */
export function argBool(value: XmlRpcValue | undefined, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return fail('FIELD_TYPE_ERROR', name);
}

/** An int64 argument (a decimal string, or an `<int>`), kept as a decimal string. */
export function argInt(value: XmlRpcValue | undefined, name: string): string {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value).toString();
  return fail('FIELD_TYPE_ERROR', name);
}

/** A string→string map argument. */
export function argMap(value: XmlRpcValue | undefined, name: string): Record<string, string> {
  if (!isStruct(value)) return fail('FIELD_TYPE_ERROR', name);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : fail('FIELD_TYPE_ERROR', `${name}.${k}`);
  return out;
}

/** A ref argument that must name a live record of `cls` (HANDLE_INVALID otherwise). */
export function argRef(ctx: CallContext, value: XmlRpcValue | undefined, cls: ClassName, name: string): string {
  const ref = argString(value, name);
  if (!ctx.sim.db.has(cls, ref)) fail('HANDLE_INVALID', cls, ref);
  return ref;
}

/** A struct argument holding a record to create (`VDI.create`, `VBD.create`, …). */
export function argRecord(value: XmlRpcValue | undefined, name: string): Readonly<Record<string, XmlRpcValue>> {
  return isStruct(value) ? value : fail('FIELD_TYPE_ERROR', name);
}

/** The string form of a stored field (for refs and enums). */
export function field(record: DbRecord, name: string): string {
  const v = record[name];
  return typeof v === 'string' ? v : String(v ?? '');
}
