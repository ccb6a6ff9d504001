/**
 * Guest I/O and driver runs for the VDI tests: data written and read through the tapdisk stand-in of
 * the host where the VDI is active, and a verb run on a host exactly as xapi's sm_exec runs it (for the
 * verbs xapi calls internally, such as vdi_compose during storage migration).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeMethodResponse, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { execSm, processEnv } from '../../sim/xapi/sm-exec.js';
import { runProcess } from '../../sim/xapi/spawn.js';
import { computeVolumeSize, createVhd, setHidden, snapshotVhd } from '../../lib/vhd/index.js';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { createXapi } from '../../lib/xapi/index.js';
import { startPool } from '../../sim/pool/pool.js';

async function tmpFile(data?: Buffer): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'io-')), 'data');
  if (data) await writeFile(file, data);
  return file;
}

export async function writeVdi(f: SrFixture, host: string, vdiUuid: string, offset: number, data: Buffer): Promise<void> {
  await f.pool.io(host, { vdi: vdiUuid, op: 'write', offset, file: await tmpFile(data) });
}

export async function readVdi(f: SrFixture, host: string, vdiUuid: string, offset: number, length: number): Promise<Buffer> {
  const file = await tmpFile();
  await f.pool.io(host, { vdi: vdiUuid, op: 'read', offset, length, file });
  return readFile(file);
}

export async function newVdi(f: SrFixture, sizeBytes: number, extra: Record<string, unknown> = {}): Promise<{ ref: string; uuid: string }> {
  const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: sizeBytes, name_label: 'disk', ...extra });
  return { ref, uuid: await f.xapi.vdi.getUuid(ref) };
}

/** Runs `verb` on `host` as xapi's sm_exec does (fresh SM session, device_config with SRmaster). */
export function runVerb(f: SrFixture, host: string, verb: string, vdiRef: string, args: string[] = []): Promise<XmlRpcValue> {
  return execSm(f.pool.xapi, { verb, host: f.pool.xapi.host(host).ref, sr: f.srRef, vdi: vdiRef, args });
}

/** An SR made by sr_create through XAPI (so sr_scan finds its database), with the SrFixture helpers. */
export async function createdSr(t: { teardown(fn: () => Promise<void>): void }, hosts = 3, options: { ha?: boolean } = {}): Promise<SrFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sr-e2e-'));
  const pool = await startPool({ dir, hosts, diskSizeGiB: 10, ha: options.ha ?? false, env: { LINSTOR_SR_TIME_SCALE: '0.01', LINSTOR_SR_GC: 'off' } });
  const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
  await xapi.client.loginWithPassword('root', '');
  t.teardown(async () => {
    await xapi.client.logout().catch(() => undefined);
    await pool.close();
  });
  const f = { pool, xapi, master: pool.xapi.host('host1').ref };
  const srRef = await createSr(f, THIN);
  const linstor = linstorOf(f.pool);
  t.teardown(() => linstor.close());
  return {
    pool: f.pool,
    xapi: f.xapi,
    linstor,
    srRef,
    srUuid: await f.xapi.call<string>('SR.get_uuid', srRef),
    groupName: THIN['group-name'],
    async startVmWith(vdi, host, mode = 'RW') {
      const vm = await f.xapi.call<string>('VM.create', { name_label: `vm-${host}` });
      await f.xapi.call('VBD.create', { VM: vm, VDI: vdi, mode, type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
      await f.xapi.call('VM.start_on', vm, f.pool.xapi.host(host).ref, false, false);
      return vm;
    },
    async placement() {
      throw new Error('not needed here');
    },
  };
}

/**
 * Turns the VHD of VDI `leaf` into a differencing VHD over a new hidden, empty base volume `base`
 * (what VDI.snapshot leaves on the mirror's destination in storage migration), written from `host`.
 */
export async function overEmptyBase(f: SrFixture, host: string, leaf: string, base: string, sizeBytes: number): Promise<void> {
  const root = f.pool.runtime.host(host).spec.root;
  const node = host;
  const volumes = await VolumeManager.open({ linstor: f.linstor, groupName: f.groupName, logger: silentLogger(), timeScale: 0.01 });
  await volumes.create(asVdiUuid(base), computeVolumeSize(sizeBytes, 'vhd'));
  await volumes.setMetadata(asVdiUuid(base), { type: 'user', vdi_type: 'vhd', name_label: 'base', read_only: false });
  await volumes.markPersistent(asVdiUuid(base));
  const basePath = await volumes.localDevicePath(asVdiUuid(base), node, root);
  await createVhd({ root }, basePath, { sizeBytes });
  await setHidden({ root }, basePath, true);
  await snapshotVhd({ root }, await volumes.localDevicePath(asVdiUuid(leaf), node, root), volumes.devicePath(asVdiUuid(base)), { noEmptyCheck: true });
}

/**
 * Runs the driver on `host` as static-vdis does at boot: `<driver> <config>`, no session, and here with
 * XAPI out of reach (its socket pointed nowhere), so only what the config carries can be used.
 */
export async function runStatic(f: SrFixture, host: string, config: string): Promise<{ kind: 'value'; value: XmlRpcValue } | { kind: 'fault'; code: number; text: string }> {
  const sim = f.pool.xapi;
  const h = sim.host(host);
  const env = { ...processEnv(sim, h, false), LINSTOR_SR_XAPI_SOCKET: path.join(h.root, 'no-xapi-at-boot') };
  const run = await runProcess([sim.driverFor('linstor')!, config], env, 120_000);
  if (run.exitCode !== 0) throw new Error(`the driver exited ${run.exitCode}: ${run.stderr}`);
  const decoded = decodeMethodResponse(run.stdout);
  return decoded.kind === 'value' ? { kind: 'value', value: decoded.value } : { kind: 'fault', code: decoded.fault.faultCode, text: decoded.fault.faultString };
}
