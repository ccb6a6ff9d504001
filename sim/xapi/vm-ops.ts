/**
 * VMs and VBDs, just enough to run disks on a chosen host: VBD.plug runs vdi_attach then vdi_activate
 * (only when the SR type's SM record has VDI_ACTIVATE) on the host the VM is resident on; unplug runs
 * vdi_deactivate (with VDI_DEACTIVATE) then vdi_detach. VM.start_on plugs the VM's disks on the host,
 * clean/hard shutdown unplugs them. No guest runs. A disk whose VDI has on_boot=reset gets xenopsd's
 * vdi_epoch_begin before its plug and vdi_epoch_end after its unplug (xapi sends them for every disk;
 * sm and this driver do nothing for the others, so the simulator spares those two runs).
 */
import { isStruct, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { ApiError, fail } from './api-error.js';
import { argBool, argMap, argRecord, argRef, argString, field, type CallContext, type MethodTable, type SimState } from './context.js';
import { smHas } from './capabilities.js';
import { execSm } from './sm-exec.js';

const NULL = 'OpaqueRef:NULL';

function powerState(sim: SimState, vm: string): string {
  return sim.db.str('VM', vm, 'power_state');
}

function requireRunning(sim: SimState, vm: string): string {
  const state = powerState(sim, vm);
  if (state !== 'Running') fail('VM_BAD_POWER_STATE', vm, 'running', state.toLowerCase());
  return sim.db.str('VM', vm, 'resident_on');
}

/** spec §2.3: xapi keeps `read-caching-enabled-on-<host uuid>` = !o_direct and the reason in the VDI's sm-config. */
function recordReadCaching(sim: SimState, vdi: string, host: string, attached: XmlRpcValue): void {
  if (!isStruct(attached) || !sim.db.has('VDI', vdi)) return;
  const uuid = sim.db.str('host', host, 'uuid');
  const oDirect = attached['o_direct'] !== false;
  const reason = typeof attached['o_direct_reason'] === 'string' ? attached['o_direct_reason'] : '';
  const smConfig = sim.db.get('VDI', vdi)['sm_config'] as Record<string, string>;
  sim.db.set('VDI', vdi, { sm_config: { ...smConfig, [`read-caching-enabled-on-${uuid}`]: String(!oDirect), [`read-caching-reason-${uuid}`]: reason } });
}

/** Whether the disk's VDI is reset on boot (the epoch calls below are for those only). */
function resetOnBoot(sim: SimState, vdi: string): boolean {
  return sim.db.has('VDI', vdi) && sim.db.str('VDI', vdi, 'on_boot') === 'reset';
}

async function plugVbd(sim: SimState, vbd: string, epoch = false): Promise<void> {
  const { db } = sim;
  const record = db.get('VBD', vbd);
  const host = requireRunning(sim, field(record, 'VM'));
  if (record['currently_attached'] === true) fail('DEVICE_ALREADY_ATTACHED', vbd);
  if (record['empty'] === true) return;
  const vdi = field(record, 'VDI');
  const sr = db.str('VDI', vdi, 'SR');
  if (epoch && resetOnBoot(sim, vdi)) await execSm(sim, { verb: 'vdi_epoch_begin', host, sr, vdi, args: [] });
  const writable = String(record['mode'] === 'RW');
  const attached = await execSm(sim, { verb: 'vdi_attach', host, sr, vdi, args: [writable] });
  recordReadCaching(sim, vdi, host, attached);
  if (smHas(sim, db.str('SR', sr, 'type'), 'VDI_ACTIVATE')) {
    try {
      await execSm(sim, { verb: 'vdi_activate', host, sr, vdi, args: [writable] });
    } catch (error) {
      await execSm(sim, { verb: 'vdi_detach', host, sr, vdi, args: [] }).catch((e: unknown) => sim.log?.warn(`vdi_detach after a failed activate: ${String(e)}`));
      throw error;
    }
  }
  db.set('VBD', vbd, { currently_attached: true });
}

async function unplugVbd(sim: SimState, vbd: string, epoch = false): Promise<void> {
  const { db } = sim;
  const record = db.get('VBD', vbd);
  if (record['currently_attached'] !== true) fail('DEVICE_ALREADY_DETACHED', vbd);
  const host = db.str('VM', field(record, 'VM'), 'resident_on');
  const vdi = field(record, 'VDI');
  const sr = db.str('VDI', vdi, 'SR');
  if (smHas(sim, db.str('SR', sr, 'type'), 'VDI_DEACTIVATE')) await execSm(sim, { verb: 'vdi_deactivate', host, sr, vdi, args: [] });
  await execSm(sim, { verb: 'vdi_detach', host, sr, vdi, args: [] });
  db.set('VBD', vbd, { currently_attached: false });
  if (epoch && resetOnBoot(sim, vdi)) await execSm(sim, { verb: 'vdi_epoch_end', host, sr, vdi, args: [] });
}

async function startOn(sim: SimState, vm: string, host: string): Promise<void> {
  const state = powerState(sim, vm);
  if (state !== 'Halted') fail('VM_BAD_POWER_STATE', vm, 'halted', state.toLowerCase());
  sim.db.set('VM', vm, { power_state: 'Running', resident_on: host });
  const plugged: string[] = [];
  try {
    for (const vbd of sim.db.refsWhere('VBD', (r) => r['VM'] === vm && r['empty'] !== true)) {
      await plugVbd(sim, vbd, true);
      plugged.push(vbd);
    }
  } catch (error) {
    for (const vbd of plugged.reverse()) await unplugVbd(sim, vbd, true).catch((e: unknown) => sim.log?.warn(`unplug after a failed start: ${String(e)}`));
    sim.db.set('VM', vm, { power_state: 'Halted', resident_on: NULL });
    throw error;
  }
}

async function shutdown(sim: SimState, vm: string): Promise<void> {
  requireRunning(sim, vm);
  const attached = sim.db.refsWhere('VBD', (r) => r['VM'] === vm && r['currently_attached'] === true).reverse();
  for (const vbd of attached) await unplugVbd(sim, vbd, true);
  sim.db.set('VM', vm, { power_state: 'Halted', resident_on: NULL });
}

function createVbd(ctx: CallContext, r: Readonly<Record<string, XmlRpcValue>>): string {
  const { db } = ctx.sim;
  const vm = argRef(ctx, r['VM'], 'VM', 'VM');
  const empty = r['empty'] === undefined ? false : argBool(r['empty'], 'empty');
  const vdi = empty ? NULL : argRef(ctx, r['VDI'], 'VDI', 'VDI');
  let userdevice = r['userdevice'] === undefined ? 'autodetect' : argString(r['userdevice'], 'userdevice');
  if (userdevice === 'autodetect') {
    const used = new Set(db.refsWhere('VBD', (x) => x['VM'] === vm).map((v) => db.str('VBD', v, 'userdevice')));
    let n = 0;
    while (used.has(String(n))) n += 1;
    userdevice = String(n);
  }
  const mode = r['mode'] === undefined ? 'RW' : argString(r['mode'], 'mode');
  if (mode !== 'RW' && mode !== 'RO') fail('FIELD_TYPE_ERROR', 'mode');
  return db.create('VBD', {
    VM: vm, VDI: vdi, userdevice, device: `xvd${String.fromCharCode(97 + Number(userdevice))}`, mode, empty,
    type: r['type'] === undefined ? 'Disk' : argString(r['type'], 'type'), bootable: r['bootable'] === undefined ? false : argBool(r['bootable'], 'bootable'),
    other_config: r['other_config'] === undefined ? {} : argMap(r['other_config'], 'other_config'),
  });
}

/** VM.* and VBD.* lifecycle methods. */
export function vmMethods(): MethodTable {
  const done = (p: Promise<void>): Promise<string> => p.then(() => '');
  return {
    'VM.create': {
      arity: 1,
      fn: (ctx, [record]) => {
        const r = argRecord(record, 'args');
        return ctx.sim.db.create('VM', {
          name_label: r['name_label'] === undefined ? '' : argString(r['name_label'], 'name_label'),
          name_description: r['name_description'] === undefined ? '' : argString(r['name_description'], 'name_description'),
          other_config: r['other_config'] === undefined ? {} : argMap(r['other_config'], 'other_config'),
        });
      },
    },
    'VM.start_on': { arity: 4, fn: (ctx, [vm, host]) => done(startOn(ctx.sim, argRef(ctx, vm, 'VM', 'vm'), argRef(ctx, host, 'host', 'host'))) },
    'VM.start': { arity: 3, fn: (ctx, [vm]) => done(startOn(ctx.sim, argRef(ctx, vm, 'VM', 'vm'), ctx.sim.masterRef())) },
    'VM.clean_shutdown': { arity: 1, fn: (ctx, [vm]) => done(shutdown(ctx.sim, argRef(ctx, vm, 'VM', 'vm'))) },
    'VM.hard_shutdown': { arity: 1, fn: (ctx, [vm]) => done(shutdown(ctx.sim, argRef(ctx, vm, 'VM', 'vm'))) },
    'VM.destroy': {
      arity: 1,
      fn: (ctx, [vm]) => {
        const ref = argRef(ctx, vm, 'VM', 'self');
        const { db } = ctx.sim;
        if (db.get('VM', ref)['is_control_domain'] === true) fail('OPERATION_NOT_ALLOWED', 'the control domain cannot be destroyed');
        if (powerState(ctx.sim, ref) !== 'Halted') fail('VM_BAD_POWER_STATE', ref, 'halted', powerState(ctx.sim, ref).toLowerCase());
        for (const vbd of db.refsWhere('VBD', (r) => r['VM'] === ref)) db.destroy('VBD', vbd);
        db.destroy('VM', ref);
        return '';
      },
    },
    'VBD.create': { arity: 1, fn: (ctx, [record]) => createVbd(ctx, argRecord(record, 'args')) },
    'VBD.plug': { arity: 1, fn: (ctx, [vbd]) => done(plugVbd(ctx.sim, argRef(ctx, vbd, 'VBD', 'self'))) },
    'VBD.unplug': { arity: 1, fn: (ctx, [vbd]) => done(unplugVbd(ctx.sim, argRef(ctx, vbd, 'VBD', 'self'))) },
    'VBD.destroy': {
      arity: 1,
      fn: (ctx, [vbd]) => {
        const ref = argRef(ctx, vbd, 'VBD', 'self');
        if (ctx.sim.db.get('VBD', ref)['currently_attached'] === true) throw new ApiError('OPERATION_NOT_ALLOWED', ['VBD is currently attached']);
        ctx.sim.db.destroy('VBD', ref);
        return '';
      },
    },
  };
}
