/**
 * vdi_compose as storage migration runs it: the guest keeps writing into a differencing VHD (over an
 * empty base) while its old data lands in another VDI; compose stacks the first on the second, with the
 * tapdisk paused and refreshed where the VDI is active.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { queryVhd } from '../../lib/vhd/index.js';
import type { ApiError } from '../../sim/xapi/api-error.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { createdSr, newVdi, overEmptyBase, readVdi, runVerb, writeVdi } from './vdi-io.js';

const MIB = 1024 * 1024;
const BASE = 'aaaaaaaa-0000-4000-8000-000000000001';

/** The SR with `P` (16 MiB, data at 1 MiB written on host1) and `L` (differencing, over a hidden empty base). */
async function setup(f: SrFixture): Promise<{ p: { ref: string; uuid: string }; lRef: string; lUuid: string; d1: Buffer }> {
  const p = await newVdi(f, 16 * MIB);
  const d1 = randomBytes(64 * 1024);
  const vm = await f.startVmWith(p.ref, 'host1');
  await writeVdi(f, 'host1', p.uuid, MIB, d1);
  await f.xapi.call('VM.hard_shutdown', vm);
  const l = await newVdi(f, 16 * MIB);
  await overEmptyBase(f, 'host1', l.uuid, BASE, 16 * MIB);
  await f.xapi.call('SR.scan', f.srRef);
  return { p, lRef: l.ref, lUuid: l.uuid, d1 };
}

async function vdiUuids(f: SrFixture): Promise<string[]> {
  return Object.values(await f.xapi.vdi.recordsOfSr(f.srRef)).map((r) => r.uuid).sort();
}

async function kvPath(f: SrFixture, uuid: string): Promise<string> {
  const props = await f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
  return `/dev/drbd/by-res/${props[`/xcp/volume/${uuid}/volume-name`] ?? props[`xcp/volume/${uuid}/volume-name`]}/0`;
}

test('compose stacks a VDI active on a slave onto another: the guest then reads both, the parent is hidden and unmanaged', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 3);
  const { p, lRef, lUuid, d1 } = await setup(f);
  const vm = await f.startVmWith(lRef, 'host2');
  const d2 = randomBytes(48 * 1024);
  await writeVdi(f, 'host2', lUuid, 5 * MIB, d2);
  t.deepEqual(await readVdi(f, 'host2', lUuid, MIB, d1.length), Buffer.alloc(d1.length), 'nothing below the leaf yet');
  const before = await vdiUuids(f);

  t.is(await runVerb(f, 'host1', 'vdi_compose', lRef, [p.ref]), null);

  t.deepEqual(await readVdi(f, 'host2', lUuid, MIB, d1.length), d1, 'the parent\'s data through the refreshed tapdisk');
  t.deepEqual(await readVdi(f, 'host2', lUuid, 5 * MIB, d2.length), d2, 'the leaf\'s own writes kept');
  const root = f.pool.runtime.host('host1').spec.root;
  t.is((await queryVhd({ root }, await kvPath(f, lUuid))).parentPath, await kvPath(f, p.uuid));
  t.true((await queryVhd({ root }, await kvPath(f, p.uuid))).hidden);
  t.false(await f.xapi.vdi.get(p.ref, 'managed'));
  const sm = await f.xapi.vdi.getSmConfig(lRef);
  t.false('paused' in sm);
  t.is(sm['vhd-parent'], p.uuid, 'XAPI\'s vhd-parent follows the VHD');
  await f.xapi.call('VM.hard_shutdown', vm);
  await f.xapi.call('SR.scan', f.srRef);
  t.deepEqual(await vdiUuids(f), before, 'a scan after compose introduces and forgets nothing');
  const vm2 = await f.startVmWith(lRef, 'host3');
  t.deepEqual(await readVdi(f, 'host3', lUuid, MIB, d1.length), d1, 'and another host reads the composed chain');
  await f.xapi.call('VM.hard_shutdown', vm2);
});

test('compose killed while the VDI is paused on a slave: the retry unpauses it, composes, and the guest reads both', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 2);
  const { p, lRef, lUuid, d1 } = await setup(f);
  const vm = await f.startVmWith(lRef, 'host2');
  const d2 = randomBytes(16 * 1024);
  await writeVdi(f, 'host2', lUuid, 5 * MIB, d2);
  f.pool.xapi.armFault('host1', 'vdi_compose', 'vdi_compose:after-pause:kill');
  await t.throwsAsync(runVerb(f, 'host1', 'vdi_compose', lRef, [p.ref]), { message: /SIGKILL/ });
  t.true('paused' in (await f.xapi.vdi.getSmConfig(lRef)), 'the killed run left the VDI paused');

  t.is(await runVerb(f, 'host1', 'vdi_compose', lRef, [p.ref]), null, 'the retry completes');
  t.false('paused' in (await f.xapi.vdi.getSmConfig(lRef)));
  t.deepEqual(await readVdi(f, 'host2', lUuid, MIB, d1.length), d1, 'the guest resumed and reads the parent');
  t.deepEqual(await readVdi(f, 'host2', lUuid, 5 * MIB, d2.length), d2, 'and its own writes');
  await f.xapi.call('VM.hard_shutdown', vm);
});

test('compose refuses bad input with a clear SM fault and changes nothing', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 2);
  const { p, lRef, lUuid } = await setup(f);
  const raw = await newVdi(f, 8 * MIB, { sm_config: { type: 'raw' } });
  const big = await newVdi(f, 32 * MIB);
  const root = f.pool.runtime.host('host1').spec.root;
  const parentBefore = (await queryVhd({ root }, await kvPath(f, lUuid))).parentPath;
  const smBefore = await f.xapi.vdi.getSmConfig(lRef);
  const fault = async (vdi: string, args: string[]) => {
    const error = await t.throwsAsync<ApiError>(runVerb(f, 'host1', 'vdi_compose', vdi, args));
    return `${error?.code} ${error?.params.join(' ')}`;
  };
  t.regex(await fault(lRef, ['OpaqueRef:00000000-dead-beef-0000-000000000000']), /^SR_BACKEND_FAILURE_46 .*does not exist/);
  t.regex(await fault(lRef, [lRef]), /^SR_BACKEND_FAILURE_46 .*onto itself/);
  t.regex(await fault(raw.ref, [p.ref]), /^UNIMPLEMENTED_IN_SM_BACKEND/);
  t.regex(await fault(lRef, [raw.ref]), /^SR_BACKEND_FAILURE_46 .*RAW/);
  t.regex(await fault(p.ref, [lRef]), /^SR_BACKEND_FAILURE_46 .*not a differencing VHD/);
  t.regex(await fault(lRef, [big.ref]), /^SR_BACKEND_FAILURE_46 .*larger than/);
  t.regex(
    await (async () => {
      const error = await t.throwsAsync<ApiError>(runVerb(f, 'host2', 'vdi_compose', lRef, [p.ref]));
      return `${error?.code}`;
    })(),
    /^SR_BACKEND_FAILURE_5002/,
    'a slave refuses',
  );
  t.is((await queryVhd({ root }, await kvPath(f, lUuid))).parentPath, parentBefore, 'the leaf still points at its base');
  t.true(await f.xapi.vdi.get(p.ref, 'managed'));
  t.false((await queryVhd({ root }, await kvPath(f, p.uuid))).hidden);
  t.deepEqual(await f.xapi.vdi.getSmConfig(lRef), smBefore, 'no paused key left behind');
});
