/**
 * SR lifecycle scenarios, XenAPI only: create a LINSTOR SR on every host, a scan after
 * a failed attach that forgets nothing, and destroy. The SR they create is named {@link SR_NAME}; the VDI
 * scenarios (vdi-lifecycle.ts) run on it, or on XAPI_SR_UUID. On a real pool, creating needs
 * XAPI_LINSTOR_GROUP (`<VG>` or `<VG>/<thin LV>`, present on the hosts) and no other LINSTOR SR.
 */
import { fieldEquals, type Xapi } from '../../../lib/xapi/index.js';
import { CheckError, expectEqual, expectTrue, type Scenario, type ScenarioContext, type Skip } from '../scenario.js';

export const SR_NAME = 'conformance-linstor';

/** The LINSTOR group of the SR to create: the simulated pool's thin pool, else XAPI_LINSTOR_GROUP. */
function groupFor(ctx: ScenarioContext): string | undefined {
  return ctx.target.kind === 'simulated' ? 'linstor_group/thin_device' : process.env['XAPI_LINSTOR_GROUP'] || undefined;
}

/** The SR the storage scenarios use: ours (by name), else XAPI_SR_UUID; undefined when neither. */
export async function srUnderTest(ctx: ScenarioContext): Promise<string | undefined> {
  const [ours] = Object.keys(await ctx.xapi.sr.getAllRecordsWhere(`${fieldEquals('name_label', SR_NAME)} and ${fieldEquals('type', 'linstor')}`));
  if (ours) return ours;
  return ctx.target.srUuid ? ctx.xapi.sr.getByUuid(ctx.target.srUuid) : undefined;
}

/** Runs `fn` on the SR under test, or skips. */
export async function onSr(ctx: ScenarioContext, fn: (sr: string) => Promise<void>): Promise<void | Skip> {
  const sr = await srUnderTest(ctx);
  if (sr === undefined) return { skip: `no ${SR_NAME} SR and no XAPI_SR_UUID` };
  await fn(sr);
  return undefined;
}

/** uuid → "virtual_size label" of the SR's VDIs, what a scan must keep. */
export async function vdiDigest(xapi: Xapi, sr: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of Object.values(await xapi.vdi.recordsOfSr(sr))) out[r.uuid] = `${r.virtual_size} ${r.name_label}`;
  return out;
}

/** Rejects with any XenAPI error; the error's code is returned. */
async function failure(promise: Promise<unknown>, what: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  throw new CheckError(`${what} succeeded`);
}

export const srCreateScenarios: Scenario[] = [
  {
    name: 'SR.create of a thin LINSTOR SR (redundancy 2) plugs a PBD on every host and scans empty',
    async run(ctx) {
      const { xapi } = ctx;
      const group = groupFor(ctx);
      if (group === undefined) return { skip: 'XAPI_LINSTOR_GROUP not given' };
      if (Object.keys(await xapi.sr.getAllRecordsWhere(fieldEquals('type', 'linstor'))).length > 0) return { skip: 'the pool already has a LINSTOR SR' };
      const master = await xapi.pool.getMaster();
      const deviceConfig = { 'group-name': group, redundancy: '2', provisioning: group.includes('/') ? 'thin' : 'thick' };
      const sr = await xapi.sr.create({ host: master, deviceConfig, nameLabel: SR_NAME, nameDescription: 'made by npm run conformance', type: 'linstor', shared: true });
      const record = await xapi.sr.getRecord(sr);
      expectEqual([record.type, record.shared], ['linstor', true], 'SR type and shared');
      const pbds = Object.values(await xapi.pbd.recordsOfSr(sr));
      expectEqual(new Set(pbds.map((p) => p.host)).size, (await xapi.host.getAll()).length, 'one PBD per host');
      expectTrue(pbds.every((p) => p.currently_attached), 'every PBD plugged');
      expectTrue(pbds.every((p) => p.device_config['group-name'] === group), 'device-config kept');
      await xapi.sr.scan(sr);
      expectEqual(await vdiDigest(xapi, sr), {}, 'VDIs of a new SR');
      return undefined;
    },
  },
];

export const srAttachScenarios: Scenario[] = [
  {
    name: 'a scan after a failed attach forgets nothing: a master PBD with a wrong group fails to plug, the right one is restored, every VDI stays',
    async run(ctx) {
      const { xapi } = ctx;
      const sr = await srUnderTest(ctx);
      if (sr === undefined || (await xapi.sr.get(sr, 'name_label')) !== SR_NAME) return { skip: `only on the ${SR_NAME} SR this run created` };
      const vdis = [];
      for (const [i, size] of [8, 24].entries()) vdis.push(await xapi.vdi.create({ SR: sr, virtual_size: size * 1024 * 1024, name_label: `keep-${i}` }));
      try {
        const before = await vdiDigest(xapi, sr);
        const master = await xapi.pool.getMaster();
        const [pbd, record] = Object.entries(await xapi.pbd.recordsOfSr(sr)).find(([, p]) => p.host === master) ?? [];
        if (!pbd || !record) throw new CheckError('no PBD on the master');
        // PBD.set_device_config is for SM sessions: replace the PBD, as an admin would.
        await xapi.pbd.unplug(pbd);
        await xapi.pbd.destroy(pbd);
        const wrong = await xapi.pbd.create({ host: master, SR: sr, device_config: { ...record.device_config, 'group-name': 'no_such_group' } });
        try {
          const code = await failure(xapi.pbd.plug(wrong), 'PBD.plug with an unknown group');
          expectTrue(code.startsWith('SR_BACKEND_FAILURE'), `a backend failure, got ${code}`);
          expectEqual(await xapi.pbd.get(wrong, 'currently_attached'), false, 'PBD left unplugged');
          await xapi.sr.scan(sr).catch(() => undefined); // may refuse (master PBD unplugged): must not forget either way
        } finally {
          await xapi.pbd.destroy(wrong);
          await xapi.pbd.plug(await xapi.pbd.create({ host: master, SR: sr, device_config: record.device_config }));
        }
        await xapi.sr.scan(sr);
        expectEqual(await vdiDigest(xapi, sr), before, 'VDIs after the failed attach, the re-plug and a scan');
      } finally {
        for (const vdi of vdis) await xapi.vdi.destroy(vdi);
      }
      return undefined;
    },
  },
];

export const srDestroyScenarios: Scenario[] = [
  {
    name: 'SR.destroy after every PBD is unplugged removes the SR and its PBDs',
    async run(ctx) {
      const { xapi } = ctx;
      const [sr] = Object.keys(await xapi.sr.getAllRecordsWhere(`${fieldEquals('name_label', SR_NAME)} and ${fieldEquals('type', 'linstor')}`));
      if (sr === undefined) return { skip: `no ${SR_NAME} SR (created by this run) to destroy` };
      expectEqual(await vdiDigest(xapi, sr), {}, 'VDIs left by the scenarios');
      for (const pbd of Object.keys(await xapi.pbd.recordsOfSr(sr))) await xapi.pbd.unplug(pbd);
      await xapi.sr.destroy(sr);
      expectEqual(Object.keys(await xapi.sr.getAllRecordsWhere(fieldEquals('name_label', SR_NAME))), [], 'SRs named after the scenario');
      expectEqual(Object.keys(await xapi.pbd.getAllRecordsWhere(fieldEquals('SR', sr))), [], 'PBDs of the destroyed SR');
      return undefined;
    },
  },
];
