/**
 * The XAPI simulator of a pool: `new XapiSimulator({ hosts, drivers, plugins, env })`, `await start()`
 * to register the drivers (sr_get_driver_info on the master) and serve XenAPI on every host's Unix
 * socket and loopback TCP address, `executions` to see every process run, `stop()` to close.
 * The lead's `xostor-sim up` embeds it; tests start it in-process with a recording stand-in driver.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../lib/log/logger.js';
import { bootstrapPool, driverFilename, smRecordFields } from './bootstrap.js';
import { nodeDirFor } from './node-runtime.js';
import type { MethodTable, ResolvedHost, SimHostSpec, SimSettings, SimState } from './context.js';
import { Db } from './db.js';
import type { Execution } from './executions.js';
import { genericMethods } from './generic.js';
import { pluginMethods } from './plugins.js';
import { createXapiServer, type ApiCallRecord } from './server.js';
import { sessionMethods } from './session.js';
import { execSm } from './sm-exec.js';
import { srMethods } from './sr-ops.js';
import { vdiMethods } from './vdi-ops.js';
import { vmMethods } from './vm-ops.js';

/** How to build the pool. The first host is the master. */
export type XapiSimOptions = {
  readonly hosts: readonly SimHostSpec[];
  readonly poolName?: string;
  /** SR type → driver executable. Default `{ linstor: <distDir>/LinstorSR }`. */
  readonly drivers?: Readonly<Record<string, string>>;
  /** Plugin name → executable, used when a host has no `<root>/etc/xapi.d/plugins/<name>`. Default linstor-manager from distDir. */
  readonly plugins?: Readonly<Record<string, string>>;
  /** Where the built executables are (default `./dist`; pass it explicitly from a bundle). */
  readonly distDir?: string;
  /** LINSTOR_SR_* variables for every process (TIME_SCALE, GC, LOG_FILE). */
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: string;
  /** Checked for TCP logins only (Unix-socket logins are trusted). Default ''. */
  readonly password?: string;
  readonly driverTimeoutMs?: number;
  readonly pluginTimeoutMs?: number;
  /**
   * Hosts whose `linstor-manager` answers as the pre-2026 Python plugin (legacy-plugin.ts): a pool
   * upgraded host by host, for testing callers against both plugin generations.
   */
  readonly legacyPluginHosts?: readonly string[];
  /** TCP port for every host address; 0 (default): the first host picks a free port, the others use it too; false: no TCP. */
  readonly tcpPort?: number | false;
  readonly log?: Logger;
};

/** Where a started host serves. */
export type HostEndpoints = { readonly ref: string; readonly socketPath: string; readonly socketAtDefault: boolean; readonly url: string | undefined };

const SOCKET_MAX = 107;
const CALL_LOG_MAX = 2000;

/** A simulated pool's XAPI. */
export class XapiSimulator implements SimState {
  readonly db = new Db();
  readonly hosts: readonly ResolvedHost[];
  readonly poolRef: string;
  readonly settings: SimSettings;
  readonly log: Logger | undefined;
  /** Every driver and plugin run, oldest first. */
  readonly executions: Execution[] = [];
  /** Process groups (leader pids) of driver and plugin runs in flight; stop() kills them. */
  readonly processes = new Set<number>();
  /** Contract breaches seen (e.g. a driver logging out the session xapi gave it); tests assert it stays empty. */
  readonly violations: string[] = [];
  /** Hosts powered off: plugin calls and driver runs on them fail with HOST_OFFLINE, as xapi answers. */
  readonly downHosts = new Set<string>();
  readonly legacyPluginHosts: ReadonlySet<string>;
  /** The last API calls served (bounded). */
  readonly calls: ApiCallRecord[] = [];
  readonly #drivers = new Map<string, string>();
  readonly #plugins = new Map<string, string>();
  readonly #faults = new Map<string, string>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #servers: Server[] = [];
  readonly #shortDirs: string[] = [];
  readonly #urls = new Map<string, string>();
  readonly #methods: MethodTable = { ...genericMethods(), ...sessionMethods(), ...srMethods(), ...vdiMethods(), ...vmMethods(), ...pluginMethods() };
  readonly #tcpPort: number | false;
  #started = false;

  constructor(options: XapiSimOptions) {
    if (options.hosts.length === 0) throw new Error('a pool needs at least one host');
    const dist = options.distDir ?? path.resolve('dist');
    for (const [type, file] of Object.entries(options.drivers ?? { linstor: path.join(dist, 'LinstorSR') })) this.#drivers.set(type, file);
    for (const [name, file] of Object.entries(options.plugins ?? { 'linstor-manager': path.join(dist, 'linstor-manager') })) this.#plugins.set(name, file);
    const { pool, hostRefs } = bootstrapPool(this.db, options.hosts, options.poolName ?? 'xostor-sim');
    this.poolRef = pool;
    this.hosts = options.hosts.map((h, i) => {
      const preferred = h.xapiSocketPath ?? path.join(h.root, 'var/lib/xcp/xapi');
      let socketPath = preferred;
      if (Buffer.byteLength(preferred) > SOCKET_MAX) {
        const dir = path.join(tmpdir(), `xapi-${randomBytes(4).toString('hex')}`);
        this.#shortDirs.push(dir);
        socketPath = path.join(dir, `${i + 1}.sock`);
      }
      return { ...h, ref: hostRefs.get(h.name) ?? '', socketPath, socketAtDefault: socketPath === path.join(h.root, 'var/lib/xcp/xapi') };
    });
    this.settings = {
      user: options.user ?? 'root', password: options.password ?? '', driverTimeoutMs: options.driverTimeoutMs ?? 120_000,
      pluginTimeoutMs: options.pluginTimeoutMs ?? 120_000, env: { ...options.env }, nodeDir: nodeDirFor(),
    };
    this.legacyPluginHosts = new Set(options.legacyPluginHosts ?? []);
    const strangers = [...this.legacyPluginHosts].filter((name) => !this.hosts.some((h) => h.name === name));
    if (strangers.length > 0) throw new Error(`legacyPluginHosts names hosts not in the pool: ${strangers.join(', ')}`);
    this.log = options.log;
    this.#tcpPort = options.tcpPort ?? 0;
    // Clients such as xen-orchestra's xen-api call this on connect.
    this.#methods['system.listMethods'] = { arity: 0, session: false, fn: () => Object.keys(this.#methods).sort() };
  }

  /** Sets (or, with undefined, removes) a variable of every later driver and plugin run. */
  setRunEnv(name: string, value: string | undefined): void {
    const env = this.settings.env as Record<string, string>;
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  masterRef(): string {
    return String(this.db.get('pool', this.poolRef)['master']);
  }

  hostByRef(ref: string): ResolvedHost {
    const host = this.hosts.find((h) => h.ref === ref);
    if (!host) throw new Error(`no simulated host ${ref}`);
    return host;
  }

  /** The host called `name`. */
  host(name: string): ResolvedHost {
    const host = this.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no simulated host ${name}`);
    return host;
  }

  driverFor(type: string, host?: ResolvedHost): string | undefined {
    const registered = this.#drivers.get(type);
    if (registered === undefined || host === undefined) return registered;
    const onHost = path.join(host.root, driverFilename(type));
    return isExecutableFile(onHost) ? onHost : registered;
  }

  pluginFor(host: ResolvedHost, plugin: string): string | undefined {
    const onHost = path.join(host.root, 'etc/xapi.d/plugins', plugin);
    if (isExecutableFile(onHost)) return onHost;
    return this.#plugins.get(plugin);
  }

  /** Makes the next run of `verb` on `host` get LINSTOR_SR_FAULTS=`spec` (`<point>:throw|kill`). */
  armFault(host: string, verb: string, spec: string): void {
    this.host(host);
    this.#faults.set(`${host}\u0000${verb}`, spec);
  }

  takeFault(host: string, verb: string): string | undefined {
    const key = `${host}\u0000${verb}`;
    const spec = this.#faults.get(key);
    this.#faults.delete(key);
    return spec;
  }

  record(execution: Omit<Execution, 'id'>): Execution {
    const full = { id: this.executions.length + 1, ...execution };
    this.executions.push(full);
    return full;
  }

  withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(name, tail);
    void tail.then(() => {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    });
    return run;
  }

  /** Registers (or replaces) the driver of an SR type; once started, its SM record is rebuilt at once. */
  async registerDriver(type: string, file: string): Promise<void> {
    this.#drivers.set(type, file);
    if (this.#started) await this.#registerSm(type);
  }

  /** Registers the built-in executable of a plugin name. */
  registerPlugin(name: string, file: string): void {
    this.#plugins.set(name, file);
  }

  /** Registers the drivers, then serves every host's socket and TCP address. */
  async start(): Promise<{ xapiUrl: string | undefined; hosts: Record<string, HostEndpoints> }> {
    if (this.#started) throw new Error('already started');
    this.#started = true;
    await Promise.all([...this.#drivers.keys()].map((type) => this.#registerSm(type)));
    let port: number | undefined;
    for (const host of this.hosts) {
      mkdirSync(path.dirname(host.socketPath), { recursive: true });
      if (existsSync(host.socketPath)) unlinkSync(host.socketPath);
      await this.#listen(createXapiServer(this, this.#methods, host, 'unix', (c) => this.#logCall(c)), { path: host.socketPath });
      if (this.#tcpPort !== false) {
        const server = createXapiServer(this, this.#methods, host, 'tcp', (c) => this.#logCall(c));
        await this.#listen(server, { host: host.address, port: port ?? this.#tcpPort });
        // Every host then serves on the port the first one got, as xapi does on port 80 of each host.
        port ??= (server.address() as AddressInfo).port;
        this.#urls.set(host.name, `http://${host.address}:${port}`);
      }
    }
    return { xapiUrl: this.url(), hosts: Object.fromEntries(this.hosts.map((h) => [h.name, this.endpoints(h.name)])) };
  }

  /** The master's TCP URL (what users and the conformance suite use). */
  url(): string | undefined {
    return this.#urls.get(this.hostByRef(this.masterRef()).name);
  }

  /** Where a host serves. */
  endpoints(name: string): HostEndpoints {
    const h = this.host(name);
    return { ref: h.ref, socketPath: h.socketPath, socketAtDefault: h.socketAtDefault, url: this.#urls.get(name) };
  }

  /** Stops serving, kills the process groups of runs still in flight, and removes the sockets. */
  async stop(): Promise<void> {
    for (const pid of this.processes) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch (error) {
        this.log?.debug(`process group ${pid} already gone: ${(error as Error).message}`);
      }
    }
    await Promise.all(this.#servers.splice(0).map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
    for (const host of this.hosts) if (existsSync(host.socketPath)) unlinkSync(host.socketPath);
    for (const dir of this.#shortDirs) rmSync(dir, { recursive: true, force: true });
  }

  async #listen(server: Server, where: { path: string } | { host: string; port: number }): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(where, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#servers.push(server);
  }

  #logCall(call: ApiCallRecord): void {
    this.calls.push(call);
    if (this.calls.length > CALL_LOG_MAX) this.calls.splice(0, this.calls.length - CALL_LOG_MAX);
  }

  async #registerSm(type: string): Promise<void> {
    for (const old of this.db.refsWhere('SM', (r) => r['type'] === type)) this.db.destroy('SM', old);
    try {
      const info = await execSm(this, { verb: 'sr_get_driver_info', host: this.masterRef(), type, args: [], deviceConfig: {} });
      this.db.create('SM', smRecordFields(type, info));
    } catch (error) {
      this.log?.warn(`Rejecting SM plugin ${type}: ${(error as Error).message}`);
    }
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false; // absent or not executable: xapi falls back to "missing plugin"
  }
}
