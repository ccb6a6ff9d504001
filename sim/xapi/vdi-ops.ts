/**
 * VDI operations, applying results as xapi does (spec/smapi-protocol.md §2.2, §4.3):
 * - VDI.create: vdi_create on the SR master with xapi's 8 positional args, then the VDI the driver
 *   introduced is looked up by the returned uuid and given the caller's higher-level fields;
 * - VDI.snapshot/clone: the new VDI is found by the returned location within the SR, named like its
 *   source, marked (snapshot_of, snapshot_time, is_a_snapshot), `vdi_update`d, then given the source's
 *   type, sharable, other_config, xenstore_data, on_boot, allow_caching and tags;
 * - VDI.resize: vdi_resize; xapi then answers from its DB (the driver must have set virtual_size);
 * - VDI.destroy: vdi_delete, then the row goes if the driver left it;
 * - VDI.revert(snapshot): with VDI_REVERT, vdi_revert on the SR master with the snapshot as the VDI and
 *   the VDI it is a snapshot of as args[0] (spec/smapi-protocol.md); refused while that VDI is attached;
 *   answers the reverted VDI, whose ref and uuid stay;
 * - VDI.introduce: with VDI_INTRODUCE and a plugged PBD, a location no VDI of the SR has, vdi_introduce on
 *   the SR master (the driver writes the record); any SM failure becomes VDI_DOES_NOT_EXIST [location]; the
 *   record then gets the caller's other_config, xenstore_data, sharable, type and non-empty names;
 * - VDI.set_on_boot: `reset` needs VDI_RESET_ON_BOOT (the SM record's name for the driver's
 *   `VDI_RESET_ON_BOOT/2`, whose version goes to its features); xapi
 *   first runs vdi_clone on the VDI, then vdi_delete on that clone, which leaves the VDI a leaf over a
 *   read-only parent to reset to; `persist` makes no SM call;
 * - VDI.db_introduce/db_forget: only from the SM session of the SR (19 args, LOCATION_NOT_UNIQUE).
 */
import { randomUUID } from 'node:crypto';
import type { XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { fail } from './api-error.js';
import { argBool, argInt, argMap, argRecord, argRef, argString, field, type CallContext, type MethodTable, type SimState } from './context.js';
import { requireCapability, smHas } from './capabilities.js';
import { requireSmSession } from './generic.js';
import { execSm } from './sm-exec.js';
import { srMasterHost } from './sr-ops.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NULL = 'OpaqueRef:NULL';

function resultField(value: XmlRpcValue, key: string): string {
  const v = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, XmlRpcValue>)[key] : undefined;
  return typeof v === 'string' ? v : fail('SR_BACKEND_FAILURE', '', `SM backend failed to return ${key} field`, '');
}

function byLocation(sim: SimState, sr: string, location: string): string {
  const [ref] = sim.db.refsWhere('VDI', (r) => r['SR'] === sr && r['location'] === location);
  return ref ?? fail('INTERNAL_ERROR', `no VDI with location ${location} in SR ${sr} after the SM call`);
}

async function createVdi(ctx: CallContext, record: Readonly<Record<string, XmlRpcValue>>): Promise<string> {
  const { sim } = ctx;
  const sr = argRef(ctx, record['SR'], 'SR', 'SR');
  requireCapability(sim, sr, 'VDI_CREATE');
  const size = argInt(record['virtual_size'], 'virtual_size');
  const str = (k: string, d = ''): string => (record[k] === undefined ? d : argString(record[k], k));
  const map = (k: string): Record<string, string> => (record[k] === undefined ? {} : argMap(record[k], k));
  const readOnly = record['read_only'] === undefined ? false : argBool(record['read_only'], 'read_only');
  const sharable = record['sharable'] === undefined ? false : argBool(record['sharable'], 'sharable');
  const type = str('type', 'user');
  const args = [size, str('name_label'), str('name_description'), '', 'false', '19700101T00:00:00Z', '', String(readOnly)];
  const value = await execSm(sim, { verb: 'vdi_create', host: srMasterHost(sim, sr), sr, args, vdiType: type, vdiSmConfig: map('sm_config') });
  const ref = sim.db.byUuid('VDI', resultField(value, 'uuid'));
  const tags = Array.isArray(record['tags']) ? record['tags'].map((t: XmlRpcValue) => argString(t, 'tags')) : [];
  sim.db.set('VDI', ref, { other_config: map('other_config'), xenstore_data: map('xenstore_data'), sharable, tags, type });
  if (str('name_label') !== '') sim.db.set('VDI', ref, { name_label: str('name_label') });
  if (str('name_description') !== '') sim.db.set('VDI', ref, { name_description: str('name_description') });
  return ref;
}

async function copyVdi(ctx: CallContext, verb: 'vdi_snapshot' | 'vdi_clone', vdi: string, driverParams: Record<string, string>): Promise<string> {
  const { sim } = ctx;
  const { db } = sim;
  const sr = db.str('VDI', vdi, 'SR');
  requireCapability(sim, sr, verb === 'vdi_snapshot' ? 'VDI_SNAPSHOT' : 'VDI_CLONE');
  const host = srMasterHost(sim, sr);
  const value = await execSm(sim, { verb, host, sr, vdi, args: [], driverParams });
  const ref = byLocation(sim, sr, resultField(value, 'location'));
  const source = db.get('VDI', vdi);
  db.set('VDI', ref, { name_label: field(source, 'name_label'), name_description: field(source, 'name_description') });
  if (verb === 'vdi_snapshot') db.set('VDI', ref, { is_a_snapshot: true, snapshot_of: vdi, snapshot_time: new Date() });
  else db.set('VDI', ref, { is_a_snapshot: false, snapshot_of: NULL });
  await execSm(sim, { verb: 'vdi_update', host, sr, vdi: ref, args: [] });
  const from = db.get('VDI', vdi);
  db.set('VDI', ref, {
    type: field(from, 'type'), sharable: from['sharable'] === true, other_config: { ...(from['other_config'] as Record<string, string>) },
    xenstore_data: { ...(from['xenstore_data'] as Record<string, string>) }, on_boot: field(from, 'on_boot'),
    allow_caching: from['allow_caching'] === true, tags: [...(from['tags'] as string[])],
  });
  return ref;
}

async function revertVdi(ctx: CallContext, snapshot: string): Promise<string> {
  const { sim } = ctx;
  const { db } = sim;
  const sr = db.str('VDI', snapshot, 'SR');
  requireCapability(sim, sr, 'VDI_REVERT');
  const target = db.str('VDI', snapshot, 'snapshot_of');
  if (target === NULL || !db.has('VDI', target)) fail('VALUE_NOT_SUPPORTED', 'snapshot', snapshot, 'not a snapshot of a VDI');
  if (db.refsWhere('VBD', (r) => r['VDI'] === target && r['currently_attached'] === true).length > 0) fail('VDI_IN_USE', target, 'revert');
  await execSm(sim, { verb: 'vdi_revert', host: srMasterHost(sim, sr), sr, vdi: snapshot, args: [target] });
  return target;
}

async function destroyVdi(ctx: CallContext, vdi: string): Promise<void> {
  const { sim } = ctx;
  const { db } = sim;
  if (db.refsWhere('VBD', (r) => r['VDI'] === vdi && r['currently_attached'] === true).length > 0) fail('VDI_IN_USE', vdi, 'destroy');
  const sr = db.str('VDI', vdi, 'SR');
  requireCapability(sim, sr, 'VDI_DELETE');
  await execSm(sim, { verb: 'vdi_delete', host: srMasterHost(sim, sr), sr, vdi, args: [] });
  if (db.has('VDI', vdi)) {
    for (const vbd of db.refsWhere('VBD', (r) => r['VDI'] === vdi)) db.destroy('VBD', vbd);
    db.destroy('VDI', vdi);
  }
}

async function setOnBoot(ctx: CallContext, vdi: string, value: string): Promise<void> {
  const { sim } = ctx;
  const { db } = sim;
  if (value !== 'persist' && value !== 'reset') fail('INVALID_VALUE', 'on_boot', value);
  const sr = db.str('VDI', vdi, 'SR');
  if (value === 'reset' && db.str('VDI', vdi, 'on_boot') !== 'reset') {
    if (!smHas(sim, db.str('SR', sr, 'type'), 'VDI_RESET_ON_BOOT')) fail('SR_OPERATION_NOT_SUPPORTED', sr);
    const host = srMasterHost(sim, sr);
    const clone = await execSm(sim, { verb: 'vdi_clone', host, sr, vdi, args: [], driverParams: {} });
    const copy = byLocation(sim, sr, resultField(clone, 'location'));
    await execSm(sim, { verb: 'vdi_delete', host, sr, vdi: copy, args: [] });
    if (db.has('VDI', copy)) db.destroy('VDI', copy);
  }
  db.set('VDI', vdi, { on_boot: value });
}

/** VDI.introduce's 18 positional arguments, as xapi takes them (uuid empty: xapi makes one). */
async function introduceVdi(ctx: CallContext, a: readonly XmlRpcValue[]): Promise<string> {
  const { sim } = ctx;
  const { db } = sim;
  const sr = argRef(ctx, a[3], 'SR', 'SR');
  requireCapability(sim, sr, 'VDI_INTRODUCE');
  if (!db.refsWhere('PBD', (r) => r['SR'] === sr).some((pbd) => db.get('PBD', pbd)['currently_attached'] === true)) fail('SR_HAS_NO_PBDS', sr);
  const given = argString(a[0], 'uuid');
  const uuid = given === '' ? randomUUID() : given;
  const location = argString(a[8], 'location');
  if (db.refsWhere('VDI', (r) => r['SR'] === sr && r['location'] === location).length > 0) fail('LOCATION_NOT_UNIQUE', sr, location);
  let value: XmlRpcValue;
  try {
    value = await execSm(sim, { verb: 'vdi_introduce', host: srMasterHost(sim, sr), sr, args: [], vdiSmConfig: argMap(a[10], 'sm_config'), location, newUuid: uuid });
  } catch {
    fail('VDI_DOES_NOT_EXIST', location);
  }
  const ref = db.byUuid('VDI', resultField(value, 'uuid'));
  db.set('VDI', ref, { other_config: argMap(a[7], 'other_config'), xenstore_data: argMap(a[9], 'xenstore_data'), sharable: argBool(a[5], 'sharable'), type: argString(a[4], 'type') });
  if (argString(a[1], 'name_label') !== '') db.set('VDI', ref, { name_label: argString(a[1], 'name_label') });
  if (argString(a[2], 'name_description') !== '') db.set('VDI', ref, { name_description: argString(a[2], 'name_description') });
  return ref;
}

function dbIntroduce(ctx: CallContext, a: readonly XmlRpcValue[]): string {
  const { db } = ctx.sim;
  const uuid = argString(a[0], 'uuid');
  const sr = argRef(ctx, a[3], 'SR', 'SR');
  requireSmSession(ctx, 'VDI.db_introduce', sr);
  if (!UUID.test(uuid)) fail('UUID_INVALID', 'VDI', uuid);
  const location = argString(a[8], 'location');
  if (db.refsWhere('VDI', (r) => r['SR'] === sr && r['location'] === location).length > 0) fail('LOCATION_NOT_UNIQUE', sr, location);
  const time = a[16];
  return db.create(
    'VDI',
    {
      name_label: argString(a[1], 'name_label'), name_description: argString(a[2], 'name_description'), SR: sr, type: argString(a[4], 'type'),
      sharable: argBool(a[5], 'sharable'), read_only: argBool(a[6], 'read_only'), other_config: argMap(a[7], 'other_config'), location,
      xenstore_data: argMap(a[9], 'xenstore_data'), sm_config: argMap(a[10], 'sm_config'), managed: argBool(a[11], 'managed'),
      virtual_size: argInt(a[12], 'virtual_size'), physical_utilisation: argInt(a[13], 'physical_utilisation'),
      metadata_of_pool: argString(a[14], 'metadata_of_pool'), is_a_snapshot: argBool(a[15], 'is_a_snapshot'),
      snapshot_time: time instanceof Date ? time : fail('FIELD_TYPE_ERROR', 'snapshot_time'), snapshot_of: argString(a[17], 'snapshot_of'),
      cbt_enabled: argBool(a[18], 'cbt_enabled'),
    },
    uuid,
  );
}

/** VDI.* storage operations. */
export function vdiMethods(): MethodTable {
  const vdiOp = (verb: string) => async (ctx: CallContext, args: readonly XmlRpcValue[]): Promise<string> => {
    const vdi = argRef(ctx, args[0], 'VDI', 'vdi');
    const sr = ctx.sim.db.str('VDI', vdi, 'SR');
    requireCapability(ctx.sim, sr, verb === 'vdi_resize' ? 'VDI_RESIZE' : 'VDI_UPDATE');
    const extra = verb === 'vdi_resize' ? [argInt(args[1], 'size')] : [];
    await execSm(ctx.sim, { verb, host: srMasterHost(ctx.sim, sr), sr, vdi, args: extra });
    return '';
  };
  return {
    'VDI.create': { arity: 1, fn: (ctx, [record]) => createVdi(ctx, argRecord(record, 'args')) },
    'VDI.destroy': { arity: 1, fn: async (ctx, [vdi]) => (await destroyVdi(ctx, argRef(ctx, vdi, 'VDI', 'self')), '') },
    'VDI.snapshot': { arity: 2, fn: (ctx, [vdi, dp]) => copyVdi(ctx, 'vdi_snapshot', argRef(ctx, vdi, 'VDI', 'vdi'), argMap(dp, 'driver_params')) },
    'VDI.clone': { arity: 2, fn: (ctx, [vdi, dp]) => copyVdi(ctx, 'vdi_clone', argRef(ctx, vdi, 'VDI', 'vdi'), argMap(dp, 'driver_params')) },
    'VDI.revert': { arity: 1, fn: (ctx, [snapshot]) => revertVdi(ctx, argRef(ctx, snapshot, 'VDI', 'snapshot')) },
    'VDI.resize': { arity: 2, fn: vdiOp('vdi_resize') },
    'VDI.resize_online': { arity: 2, fn: vdiOp('vdi_resize') },
    'VDI.update': { arity: 1, fn: vdiOp('vdi_update') },
    // Any session (the GC forgets the VDIs it deletes this way, as sm's cleanup.py does): DB row only.
    'VDI.forget': { arity: 1, fn: (ctx, [vdi]) => (ctx.sim.db.destroy('VDI', argRef(ctx, vdi, 'VDI', 'vdi')), '') },
    'VDI.set_on_boot': { arity: 2, fn: async (ctx, [vdi, value]) => (await setOnBoot(ctx, argRef(ctx, vdi, 'VDI', 'self'), argString(value, 'value')), '') },
    'VDI.introduce': { arity: 18, fn: (ctx, args) => introduceVdi(ctx, args) },
    'VDI.db_introduce': { arity: 19, fn: (ctx, args) => dbIntroduce(ctx, args) },
    // xapi runs vdi_generate_config on the host named (static-vdis stores the string it returns).
    'VDI.generate_config': {
      arity: 2,
      fn: async (ctx, [host, vdi]) => {
        const ref = argRef(ctx, vdi, 'VDI', 'vdi');
        const sr = ctx.sim.db.str('VDI', ref, 'SR');
        requireCapability(ctx.sim, sr, 'VDI_GENERATE_CONFIG');
        return String(await execSm(ctx.sim, { verb: 'vdi_generate_config', host: argRef(ctx, host, 'host', 'host'), sr, vdi: ref, args: [] }));
      },
    },
    'VDI.db_forget': {
      arity: 1,
      fn: (ctx, [vdi]) => {
        const ref = argRef(ctx, vdi, 'VDI', 'vdi');
        requireSmSession(ctx, 'VDI.db_forget', ctx.sim.db.str('VDI', ref, 'SR'));
        ctx.sim.db.destroy('VDI', ref);
        return '';
      },
    },
  };
}
