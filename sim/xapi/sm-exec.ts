/**
 * Executes an SR type's driver for one SMAPIv1 command, as xapi's sm_exec does: on the given host, with
 * argv `[driver, <methodCall>]` holding the parameter struct of spec/smapi-protocol.md §1.3 (keys in
 * xapi's order, `SRmaster` in device_config, a fresh `__sm__backend` session marked with the SR, the
 * task as `subtask_of`), environment PATH + ORIGINATOR=SM + the simulator's LINSTOR_SR_* variables.
 * The run is recorded, then read as §2 says (sm-result.ts).
 */
import { decodeMethodCall, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { ApiError, fail } from './api-error.js';
import { field, type ResolvedHost, type SimState } from './context.js';
import { readSmResult } from './sm-result.js';
import { hostArgv } from './host-interpreter.js';
import { runProcess } from './spawn.js';
import { methodCallXml, type XapiXmlValue } from './xml.js';

/** One command to run. Optional members become struct keys exactly when present. */
export type SmCommand = {
  readonly verb: string;
  readonly host: string;
  readonly args: readonly string[];
  /** SR-scoped commands. */
  readonly sr?: string;
  /** Commands on an existing VDI. */
  readonly vdi?: string;
  /** sr_probe (and driver info): the SR type and the device_config given by the caller. */
  readonly type?: string;
  readonly deviceConfig?: Readonly<Record<string, string>>;
  readonly srSmConfig?: Readonly<Record<string, string>>;
  readonly vdiType?: string;
  readonly vdiSmConfig?: Readonly<Record<string, string>>;
  readonly driverParams?: Readonly<Record<string, string>>;
  /** vdi_introduce: the caller's location and the uuid the VDI is to have. */
  readonly location?: string;
  readonly newUuid?: string;
  /** The task this command runs under (`subtask_of`); a task is made when absent. */
  readonly task?: string;
};

const SYSTEM_PATH = '/sbin:/usr/sbin:/bin:/usr/bin';

/** The environment of a process run on `host` (drivers get ORIGINATOR=SM, plugins do not). */
export function processEnv(sim: SimState, host: ResolvedHost, originator: boolean, fault?: string): Record<string, string> {
  const path = [host.toolsPath, sim.settings.nodeDir, SYSTEM_PATH].filter((p) => p !== undefined && p !== '').join(':');
  const env: Record<string, string> = { PATH: path };
  if (originator) env['ORIGINATOR'] = 'SM';
  env['LINSTOR_SR_ROOT'] = host.root;
  Object.assign(env, sim.settings.env, host.env);
  if (!host.socketAtDefault) env['LINSTOR_SR_XAPI_SOCKET'] = host.socketPath;
  if (fault !== undefined) env['LINSTOR_SR_FAULTS'] = fault;
  return env;
}

/** The device_config a host gets for an SR: its PBD's, plus SRmaster. */
function deviceConfigFor(sim: SimState, sr: string, host: string, verb: string): Record<string, string> {
  const { db } = sim;
  const srRecord = db.get('SR', sr);
  const [pbd] = db.refsWhere('PBD', (r) => r['SR'] === sr && r['host'] === host);
  if (pbd === undefined) fail('SR_NO_PBDS', sr);
  // sr_create runs on the host named in SR.create, which acts as SR master for it (spec §1.4).
  const srMaster = verb === 'sr_create' || srRecord['shared'] !== true || host === sim.masterRef();
  return { ...(db.get('PBD', pbd)['device_config'] as Record<string, string>), SRmaster: String(srMaster) };
}

/** Builds the parameter struct, in xapi's member order. */
function buildParams(sim: SimState, cmd: SmCommand, session: string | undefined, task: string | undefined): Record<string, XapiXmlValue> {
  const { db } = sim;
  const p: Record<string, XapiXmlValue> = { host_ref: cmd.host, command: cmd.verb, args: [...cmd.args] };
  p['device_config'] = cmd.sr !== undefined ? deviceConfigFor(sim, cmd.sr, cmd.host, cmd.verb) : { ...cmd.deviceConfig };
  if (session !== undefined) p['session_ref'] = session;
  if (cmd.verb === 'sr_probe') p['sr_sm_config'] = { ...cmd.srSmConfig };
  if (cmd.sr !== undefined) p['sr_ref'] = cmd.sr;
  if (cmd.verb === 'vdi_create') p['vdi_type'] = cmd.vdiType ?? 'user';
  if (cmd.sr !== undefined) p['sr_uuid'] = db.str('SR', cmd.sr, 'uuid');
  const vdi = cmd.vdi !== undefined ? db.get('VDI', cmd.vdi) : undefined;
  if (vdi !== undefined && cmd.vdi !== undefined) {
    p['vdi_ref'] = cmd.vdi;
    p['vdi_location'] = field(vdi, 'location');
    p['vdi_uuid'] = field(vdi, 'uuid');
  }
  if (cmd.verb === 'vdi_snapshot' || cmd.verb === 'vdi_clone') p['driver_params'] = { ...cmd.driverParams };
  if (cmd.verb === 'vdi_introduce') p['vdi_location'] = cmd.location ?? '';
  if (cmd.verb === 'vdi_create' || cmd.verb === 'vdi_introduce') p['vdi_sm_config'] = { ...cmd.vdiSmConfig };
  if (cmd.verb === 'vdi_introduce') p['new_uuid'] = cmd.newUuid ?? '';
  if (task !== undefined) p['subtask_of'] = task;
  if (vdi !== undefined) {
    p['vdi_on_boot'] = field(vdi, 'on_boot');
    p['vdi_allow_caching'] = String(vdi['allow_caching'] === true);
  }
  return p;
}

// xapi serialises these per host with one named mutex (spec §1.2); everything else may run concurrently.
const HOST_SERIALISED = new Set(['sr_attach', 'sr_detach', 'sr_probe']);

/** Runs the command and returns the verb's value, or throws the XenAPI error xapi would raise. */
export function execSm(sim: SimState, cmd: SmCommand): Promise<XmlRpcValue> {
  return HOST_SERIALISED.has(cmd.verb) ? sim.withLock(`sr-attach-detach-probe:${cmd.host}`, () => execSmNow(sim, cmd)) : execSmNow(sim, cmd);
}

async function execSmNow(sim: SimState, cmd: SmCommand): Promise<XmlRpcValue> {
  const { db } = sim;
  const host = sim.hostByRef(cmd.host);
  if (sim.downHosts.has(host.name)) fail('HOST_OFFLINE', host.ref);
  const type = cmd.type ?? (cmd.sr !== undefined ? db.str('SR', cmd.sr, 'type') : '');
  const driver = sim.driverFor(type, host) ?? fail('SR_UNKNOWN_DRIVER', type);
  const infoOnly = cmd.verb === 'sr_get_driver_info';
  const session = infoOnly
    ? undefined
    : db.create('session', {
        this_host: cmd.host, auth_user_name: '__sm__backend', originator: 'SM',
        other_config: cmd.sr !== undefined ? { _sm_session: cmd.sr } : {},
      });
  const ownTask = !infoOnly && cmd.task === undefined ? db.create('task', { name_label: `SM ${type} ${cmd.verb}`, resident_on: cmd.host }) : undefined;
  const task = infoOnly ? undefined : (cmd.task ?? ownTask);
  let xml: string;
  try {
    xml = methodCallXml(cmd.verb, [buildParams(sim, cmd, session, task)]);
  } catch (error) {
    // Nothing ran (e.g. the host has no PBD for the SR): leave no session or task behind.
    if (session !== undefined) db.destroy('session', session);
    if (ownTask !== undefined) db.destroy('task', ownTask);
    throw error;
  }
  const argv = [driver, xml];
  const env = processEnv(sim, host, true, sim.takeFault(host.name, cmd.verb));
  const startedAt = new Date();
  const run = await runProcess(hostArgv(host.root, argv), env, sim.settings.driverTimeoutMs, sim.processes);
  if (session !== undefined && db.has('session', session)) db.destroy('session', session);
  let outcome: { kind: 'ok'; value: XmlRpcValue } | { kind: 'error'; code: string; params: readonly string[] };
  try {
    outcome = { kind: 'ok', value: readSmResult(cmd.verb, run, { srRef: cmd.sr, vdiRef: cmd.vdi }) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    outcome = { kind: 'error', code: error.code, params: error.params };
  }
  if (ownTask !== undefined && db.has('task', ownTask)) {
    db.set('task', ownTask, {
      status: outcome.kind === 'ok' ? 'success' : 'failure', progress: 1.0, finished: new Date(),
      error_info: outcome.kind === 'ok' ? [] : [outcome.code, ...outcome.params],
    });
  }
  sim.record({
    kind: 'driver', name: cmd.verb, host: host.name, hostRef: host.ref, argv, env, params: decodeMethodCall(xml).params, startedAt,
    durationMs: run.durationMs, pid: run.pid, exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut, stdout: run.stdout, stderr: run.stderr, outcome,
  });
  sim.log?.info(`sm ${cmd.verb} on ${host.name}: ${outcome.kind === 'ok' ? 'ok' : outcome.code} in ${run.durationMs} ms`);
  if (outcome.kind === 'error') throw new ApiError(outcome.code, outcome.params);
  return outcome.value;
}
