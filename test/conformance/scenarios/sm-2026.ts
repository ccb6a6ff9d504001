/**
 * What today's sm (2025–26) does that a client sees through the XenAPI: the image format chosen from
 * sm-config and written back, unknown or unstorable formats refused with VDIType (66) and nothing made,
 * and — when the SR's driver offers VDI_REVERT — VDI.revert reverting a VDI in place (same ref and uuid,
 * the snapshot's size), refused while the VDI is attached; the LINSTOR version guard — no SR command
 * runs while a node reports VERSION_MISMATCH (induced only on a simulated pool; a real pool is checked
 * for no false alarm).
 */
import { isXapiError, type Xapi } from '../../../lib/xapi/index.js';
import { CheckError, expectEqual, expectTrue, expectXapiError, type Scenario, type ScenarioContext, type Skip } from '../scenario.js';
import { groupOf, plugin } from './pool-admin.js';
import { onSr, srUnderTest, vdiDigest } from './sr-lifecycle.js';
import { leavingNoGarbage } from './snapshot.js';
import { attachedOn } from './vdi-lifecycle.js';

const MIB = 1024 * 1024;

async function driverOffers(xapi: Xapi, sr: string, capability: string): Promise<boolean> {
  const type = await xapi.sr.get(sr, 'type');
  const sms = Object.values(await xapi.sm.byType(String(type)));
  return sms.some((sm) => sm.capabilities.includes(capability));
}

/**
 * Runs `fn` on the SR under test when its driver offers `capability` (else skips), and checks that it
 * leaves no VDI behind.
 */
export async function onSrOffering(ctx: ScenarioContext, capability: string, fn: (sr: string) => Promise<void>): Promise<void | Skip> {
  const sr = await srUnderTest(ctx);
  if (sr === undefined) return { skip: 'no SR under test' };
  if (!(await driverOffers(ctx.xapi, sr, capability))) return { skip: `the SR driver does not offer ${capability}` };
  await leavingNoGarbage(ctx.xapi, sr, () => fn(sr));
  return undefined;
}

export const sm2026Scenarios: Scenario[] = [
  {
    name: 'image-format: raw and vhd from sm-config (or the legacy type) are made and written back; an unknown format or qcow2 is VDIType (66) and makes nothing',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        for (const [smConfig, format, vdiType] of [[{ 'image-format': 'raw' }, 'raw', 'aio'], [{ type: 'raw' }, 'raw', 'aio'], [{ 'image-format': 'vhd' }, 'vhd', 'vhd']] as const) {
          const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-format', sm_config: { ...smConfig } });
          try {
            const sm = await xapi.vdi.getSmConfig(vdi);
            expectEqual([sm['image-format'], sm['vdi_type']], [format, vdiType], `sm-config after ${JSON.stringify(smConfig)}`);
          } finally {
            await xapi.vdi.destroy(vdi);
          }
        }
        const before = await vdiDigest(xapi, sr);
        for (const bad of ['qcow2', 'vmdk']) {
          await expectXapiError(xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-format', sm_config: { 'image-format': bad } }), 'SR_BACKEND_FAILURE_66');
        }
        expectEqual(await vdiDigest(xapi, sr), before, 'nothing made by the refused creates');
      });
    },
  },
  {
    name: 'VDI.revert (with VDI_REVERT): the VDI keeps its ref and uuid and takes its snapshot\'s size; refused while attached',
    async run(ctx) {
      const { xapi } = ctx;
      return onSrOffering(ctx, 'VDI_REVERT', async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-revert' });
        const uuid = await xapi.vdi.getUuid(vdi);
        const snap = await xapi.vdi.snapshot(vdi);
        try {
          await xapi.vdi.resize(vdi, 24 * MIB);
          await attachedOn(xapi, await xapi.pool.getMaster(), vdi, async () => {
            await expectXapiError(xapi.call('VDI.revert', snap), 'VDI_IN_USE');
          });
          await xapi.call('VDI.revert', snap);
          expectEqual(await xapi.vdi.getUuid(vdi), uuid, 'the same uuid behind the same ref');
          expectEqual(Number(await xapi.vdi.get(vdi, 'virtual_size')), 16 * MIB, 'the snapshot\'s size');
          expectEqual(await xapi.vdi.get(snap, 'snapshot_of'), vdi, 'still a snapshot of the VDI');
          await xapi.sr.scan(sr);
          expectTrue(uuid in (await vdiDigest(xapi, sr)), 'a scan keeps it');
        } finally {
          await xapi.vdi.destroy(snap);
          await xapi.vdi.destroy(vdi);
        }
      });
    },
  },
  {
    name: 'LINSTOR version guard: a node reporting VERSION_MISMATCH makes SR.scan SRUnavailable (47) naming it and shows in healthCheck; back ONLINE, the SR works again',
    async run(ctx) {
      const { xapi, target } = ctx;
      return onSr(ctx, async (sr) => {
        const group = await groupOf(xapi, sr);
        const master = await xapi.pool.getMaster();
        const mismatchErrors = async () => {
          const health = JSON.parse(await plugin(xapi, master, 'healthCheck', { groupName: group })) as { errors: { message?: string }[] };
          return health.errors.filter((e) => /not using the same version/.test(e.message ?? ''));
        };
        expectEqual(await mismatchErrors(), [], 'no version alarm on a healthy pool');
        await xapi.sr.scan(sr);
        if (target.controls === undefined) return;
        const member = (await xapi.host.getAll()).find((h) => h !== master);
        if (member === undefined) throw new CheckError('no pool member');
        const node = String(await xapi.host.get(member, 'hostname'));
        await target.controls.setNodeStatus(node, 'VERSION_MISMATCH');
        try {
          const refused = await xapi.sr.scan(sr).then(() => undefined, (error: unknown) => error);
          if (!isXapiError(refused)) throw new CheckError(`SR.scan during a version mismatch: expected SR_BACKEND_FAILURE_47, got ${String(refused)}`);
          expectEqual(refused.code, 'SR_BACKEND_FAILURE_47', 'error code');
          expectTrue(refused.params.some((p) => p.includes(`Incriminated nodes are: ${node}`)), `the error names ${node}: ${JSON.stringify(refused.params)}`);
          expectEqual((await mismatchErrors()).length, 1, 'healthCheck reports the mismatch');
        } finally {
          await target.controls.setNodeStatus(node, 'ONLINE');
        }
        await xapi.sr.scan(sr);
        expectEqual(await mismatchErrors(), [], 'the alarm is gone');
      });
    },
  },
];
