/**
 * SR and PBD operations, orchestrated as xapi does (spec/smapi-protocol.md §1.4, §4.3):
 * - SR.create: SR and PBD rows first (a PBD per host when shared), sr_create on the named host (rows
 *   removed again if it fails), then PBD.plug on every PBD, master first (a failed plug is logged, as xapi does);
 * - SR.destroy: refused while a PBD is plugged; sr_attach on the SR master, sr_delete (sr_detach if it
 *   fails), then the rows go; SR.forget drops the rows without the driver;
 * - SR.scan: sr_scan until the SR's VDI refs stop changing (at most 10 runs), then SR.update;
 * - SR.update: sr_update, then virtual_allocation = Σ VDI virtual sizes and other_config:dirty cleared;
 * - SR.probe: sr_probe on the named host (only if the SM record has SR_PROBE);
 * - PBD.plug/unplug: sr_attach/sr_detach on the PBD's host.
 */
import type { XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { ApiError, fail } from './api-error.js';
import { argBool, argInt, argMap, argRecord, argRef, argString, field, type CallContext, type MethodTable, type SimState } from './context.js';
import { execSm } from './sm-exec.js';

const SCAN_RETRIES = 10;

/** The host that runs master-only commands for an SR: the pool master if shared, else the PBD's host. */
export function srMasterHost(sim: SimState, sr: string): string {
  if (sim.db.get('SR', sr)['shared'] === true) return sim.masterRef();
  const [pbd] = sim.db.refsWhere('PBD', (r) => r['SR'] === sr);
  return pbd === undefined ? sim.masterRef() : sim.db.str('PBD', pbd, 'host');
}

function vdiRefs(sim: SimState, sr: string): string {
  return sim.db.refsWhere('VDI', (r) => r['SR'] === sr).sort().join(',');
}

async function plug(sim: SimState, pbd: string): Promise<void> {
  const record = sim.db.get('PBD', pbd);
  if (record['currently_attached'] === true) return;
  await execSm(sim, { verb: 'sr_attach', host: field(record, 'host'), sr: field(record, 'SR'), args: [] });
  if (sim.db.has('PBD', pbd)) sim.db.set('PBD', pbd, { currently_attached: true });
}

async function unplug(sim: SimState, pbd: string): Promise<void> {
  const record = sim.db.get('PBD', pbd);
  if (record['currently_attached'] !== true) return;
  await execSm(sim, { verb: 'sr_detach', host: field(record, 'host'), sr: field(record, 'SR'), args: [] });
  if (sim.db.has('PBD', pbd)) sim.db.set('PBD', pbd, { currently_attached: false });
}

/** SR.update's work, also run at the end of every SR.scan. */
export async function updateSr(sim: SimState, sr: string): Promise<void> {
  await execSm(sim, { verb: 'sr_update', host: srMasterHost(sim, sr), sr, args: [] });
  const total = sim.db.refsWhere('VDI', (r) => r['SR'] === sr).reduce((sum, v) => sum + BigInt(sim.db.str('VDI', v, 'virtual_size')), 0n);
  const { dirty: _dirty, ...otherConfig } = sim.db.get('SR', sr)['other_config'] as Record<string, string>;
  sim.db.set('SR', sr, { virtual_allocation: total.toString(), other_config: otherConfig });
}

function dropSrRows(sim: SimState, sr: string): void {
  const { db } = sim;
  for (const pbd of db.refsWhere('PBD', (r) => r['SR'] === sr)) db.destroy('PBD', pbd);
  for (const vdi of db.refsWhere('VDI', (r) => r['SR'] === sr)) {
    for (const vbd of db.refsWhere('VBD', (r) => r['VDI'] === vdi)) db.destroy('VBD', vbd);
    db.destroy('VDI', vdi);
  }
  db.destroy('SR', sr);
}

function assertUnplugged(sim: SimState, sr: string): void {
  if (sim.db.refsWhere('PBD', (r) => r['SR'] === sr && r['currently_attached'] === true).length > 0) fail('SR_HAS_PBD', sr);
}

async function createSr(ctx: CallContext, a: readonly XmlRpcValue[]): Promise<string> {
  const { sim } = ctx;
  const { db } = sim;
  const host = argRef(ctx, a[0], 'host', 'host');
  const deviceConfig = argMap(a[1], 'device_config');
  const physicalSize = argInt(a[2], 'physical_size');
  const type = argString(a[5], 'type');
  const shared = argBool(a[7], 'shared');
  if (sim.driverFor(type) === undefined) fail('SR_UNKNOWN_DRIVER', type);
  const sr = db.create('SR', {
    name_label: argString(a[3], 'name_label'), name_description: argString(a[4], 'name_description'), type,
    content_type: argString(a[6], 'content_type'), shared, sm_config: argMap(a[8], 'sm_config'), physical_size: physicalSize,
  });
  const hosts = shared ? [sim.masterRef(), ...sim.hosts.map((h) => h.ref).filter((h) => h !== sim.masterRef())] : [host];
  const pbds = hosts.map((h) => db.create('PBD', { host: h, SR: sr, device_config: { ...deviceConfig } }));
  try {
    await execSm(sim, { verb: 'sr_create', host, sr, args: [physicalSize] });
  } catch (error) {
    if (db.has('SR', sr)) dropSrRows(sim, sr);
    throw error;
  }
  for (const pbd of pbds) {
    try {
      if (db.has('PBD', pbd)) await plug(sim, pbd);
    } catch (error) {
      sim.log?.warn(`SR.create: could not plug PBD ${pbd}: ${(error as Error).message}`);
    }
  }
  return sr;
}

async function destroySr(ctx: CallContext, sr: string): Promise<void> {
  const { sim } = ctx;
  assertUnplugged(sim, sr);
  const host = srMasterHost(sim, sr);
  const [pbd] = sim.db.refsWhere('PBD', (r) => r['SR'] === sr && r['host'] === host);
  await execSm(sim, { verb: 'sr_attach', host, sr, args: [] });
  if (pbd !== undefined) sim.db.set('PBD', pbd, { currently_attached: true });
  try {
    await execSm(sim, { verb: 'sr_delete', host, sr, args: [] });
  } catch (error) {
    try {
      await execSm(sim, { verb: 'sr_detach', host, sr, args: [] });
    } catch (detachError) {
      sim.log?.warn(`SR.destroy: sr_detach after a failed sr_delete failed too: ${(detachError as Error).message}`);
    }
    if (pbd !== undefined && sim.db.has('PBD', pbd)) sim.db.set('PBD', pbd, { currently_attached: false });
    throw error;
  }
  if (sim.db.has('SR', sr)) dropSrRows(sim, sr);
}

async function scanSr(ctx: CallContext, sr: string): Promise<void> {
  const { sim } = ctx;
  for (let attempt = 0; ; attempt += 1) {
    if (attempt === SCAN_RETRIES) fail('INTERNAL_ERROR', 'SR.scan retry limit exceeded');
    const before = vdiRefs(sim, sr);
    await execSm(sim, { verb: 'sr_scan', host: srMasterHost(sim, sr), sr, args: [] });
    if (vdiRefs(sim, sr) === before) break;
  }
  await updateSr(sim, sr);
}

async function probeSr(ctx: CallContext, a: readonly XmlRpcValue[]): Promise<string> {
  const { sim } = ctx;
  const host = argRef(ctx, a[0], 'host', 'host');
  const deviceConfig = argMap(a[1], 'device_config');
  const type = argString(a[2], 'type');
  const smConfig = argMap(a[3], 'sm_config');
  if (sim.driverFor(type) === undefined) fail('SR_UNKNOWN_DRIVER', type);
  const [sm] = sim.db.refsWhere('SM', (r) => r['type'] === type);
  const capabilities = sm === undefined ? [] : (sim.db.get('SM', sm)['capabilities'] as string[]);
  if (!capabilities.includes('SR_PROBE')) fail('SR_BACKEND_FAILURE', "Operation 'sr_probe' not supported by this SR type", '', '');
  const value = await execSm(sim, { verb: 'sr_probe', host, type, args: [], deviceConfig: { ...deviceConfig, SRmaster: 'true' }, srSmConfig: smConfig });
  return typeof value === 'string' ? value : fail('INTERNAL_ERROR', 'sr_probe returned no string');
}

/** SR.* and PBD.* operations that involve the driver or the SR's lifecycle. */
export function srMethods(): MethodTable {
  const voidOf = (p: Promise<void>): Promise<string> => p.then(() => '');
  return {
    'SR.create': { arity: 9, fn: (ctx, args) => createSr(ctx, args) },
    'SR.destroy': { arity: 1, fn: (ctx, [sr]) => voidOf(destroySr(ctx, argRef(ctx, sr, 'SR', 'sr'))) },
    'SR.forget': {
      arity: 1,
      fn: (ctx, [sr]) => {
        const ref = argRef(ctx, sr, 'SR', 'sr');
        assertUnplugged(ctx.sim, ref);
        dropSrRows(ctx.sim, ref);
        return '';
      },
    },
    'SR.scan': { arity: 1, fn: (ctx, [sr]) => voidOf(scanSr(ctx, argRef(ctx, sr, 'SR', 'sr'))) },
    'SR.update': { arity: 1, fn: (ctx, [sr]) => voidOf(updateSr(ctx.sim, argRef(ctx, sr, 'SR', 'sr'))) },
    'SR.probe': { arity: 4, fn: (ctx, args) => probeSr(ctx, args) },
    'PBD.create': {
      arity: 1,
      fn: (ctx, [record]) => {
        const r = argRecord(record, 'args');
        const host = argRef(ctx, r['host'], 'host', 'host');
        const sr = argRef(ctx, r['SR'], 'SR', 'SR');
        const otherConfig = r['other_config'] === undefined ? {} : argMap(r['other_config'], 'other_config');
        return ctx.sim.db.create('PBD', { host, SR: sr, device_config: argMap(r['device_config'], 'device_config'), other_config: otherConfig });
      },
    },
    'PBD.plug': { arity: 1, fn: (ctx, [pbd]) => voidOf(plug(ctx.sim, argRef(ctx, pbd, 'PBD', 'self'))) },
    'PBD.unplug': { arity: 1, fn: (ctx, [pbd]) => voidOf(unplug(ctx.sim, argRef(ctx, pbd, 'PBD', 'self'))) },
    'PBD.destroy': {
      arity: 1,
      fn: (ctx, [pbd]) => {
        const ref = argRef(ctx, pbd, 'PBD', 'self');
        if (ctx.sim.db.get('PBD', ref)['currently_attached'] === true) throw new ApiError('OPERATION_NOT_ALLOWED', ['PBD is currently attached']);
        ctx.sim.db.destroy('PBD', ref);
        return '';
      },
    },
  };
}
