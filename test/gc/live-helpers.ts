/** Helpers of the live leaf-coalesce tests: a VM running on host2 on a leaf, and its guest I/O. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SrOnPool } from '../../sim/fixtures/sr.js';

/** Guest I/O on host2 through the tapdisk serving `vdi`. */
export function guest(fx: SrOnPool, vdi: string) {
  const dir = mkdtemp(path.join(os.tmpdir(), 'live-leaf-'));
  let n = 0;
  return {
    read: async (length: number) => {
      const file = path.join(await dir, `r${(n += 1)}`);
      await fx.pool.io('host2', { vdi, op: 'read', offset: 0, length, file });
      return readFile(file);
    },
    write: async (offset: number, data: Buffer) => {
      const file = path.join(await dir, `w${(n += 1)}`);
      await writeFile(file, data);
      await fx.pool.io('host2', { vdi, op: 'write', offset, file });
    },
  };
}

/** Introduces the chain (SR.scan), starts a VM on host2 with the leaf as its disk; returns the VM and leaf refs. */
export async function runningOnSlave(fx: SrOnPool, leaf: string): Promise<{ vm: string; leafRef: string }> {
  await fx.xapi.call('SR.scan', fx.srRef);
  const leafRef = await fx.xapi.vdi.getByUuid(leaf);
  const vm = await fx.xapi.call<string>('VM.create', { name_label: `vm-${leaf.slice(-2)}` });
  await fx.xapi.call('VBD.create', { VM: vm, VDI: leafRef, mode: 'RW', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
  await fx.xapi.call('VM.start_on', vm, fx.pool.xapi.host('host2').ref, false, false);
  return { vm, leafRef };
}
