/**
 * Block-device and volume-group tools on a simulated host: `mkfs.ext4`, `mount`, `umount`,
 * `mountpoint`, `vgchange`, `blockdev --getsize64`. Devices are the files the satellites made under the
 * host root; the only volume group is `linstor_group` (thin pool `thin_device`) on hosts with a disk.
 */
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { DB_RESOURCE } from '../pool/runtime.js';
import { fail, ok, splitArgs, type Tool } from './tool.js';

export const VOLUME_GROUP = 'linstor_group';
export const THIN_POOL = 'thin_device';
const DB_DEVICE = `/dev/drbd/by-res/${DB_RESOURCE}/0`;

export const mkfsExt4: Tool = async ({ host }, argv) => {
  const { words } = splitArgs(argv);
  const dev = words[0];
  if (!dev || !existsSync(host.local(dev))) return fail(1, `mke2fs: The file ${dev ?? ''} does not exist and no size was specified.`);
  // The ext4 superblock magic (0xEF53 at byte 1080), so that a later probe sees a file system.
  const fh = await open(host.local(dev), 'r+');
  try {
    await fh.write(Buffer.from([0x53, 0xef]), 0, 2, 1080);
  } finally {
    await fh.close();
  }
  return ok(`Creating filesystem with ${Math.floor((await stat(host.local(dev))).size / 4096)} 4k blocks\n`);
};

export const mount: Tool = async ({ pool, host }, argv) => {
  const { words } = splitArgs(argv.filter((_a, i) => argv[i - 1] !== '-o' && argv[i - 1] !== '-t'));
  if (words.length === 0) {
    return ok([...host.mounts].map(([dir, dev]) => `${dev} on ${dir} type ext4 (rw,relatime)\n`).join(''));
  }
  const [dev, dir] = words;
  if (!dev || !dir) return fail(1, 'mount: bad usage');
  if (!existsSync(host.local(dev))) return fail(32, `mount: ${dir}: special device ${dev} does not exist.`);
  if (host.mounts.has(dir)) return fail(32, `mount: ${dir}: ${dev} already mounted or mount point busy.`);
  if (dev === DB_DEVICE && !(await pool.setPrimary(DB_RESOURCE, host.spec.name, true))) {
    return fail(32, `mount: ${dir}: cannot mount ${dev} read-only.`);
  }
  host.mounts.set(dir, dev);
  return ok();
};

export const umount: Tool = async ({ pool, host }, argv) => {
  const { words } = splitArgs(argv);
  const dir = words[0] ?? '';
  const dev = host.mounts.get(dir) ?? [...host.mounts].find(([, d]) => d === dir)?.[1];
  const mountPoint = host.mounts.has(dir) ? dir : [...host.mounts].find(([, d]) => d === dir)?.[0];
  if (!dev || !mountPoint) return fail(32, `umount: ${dir}: not mounted.`);
  host.mounts.delete(mountPoint);
  if (dev === DB_DEVICE) await pool.setPrimary(DB_RESOURCE, host.spec.name, false);
  return ok();
};

export const mountpoint: Tool = async ({ host }, argv) => {
  const { flags, words } = splitArgs(argv);
  const dir = words[0] ?? '';
  const mounted = host.mounts.has(dir);
  if (flags.has('-q')) return { exitCode: mounted ? 0 : 32 };
  return mounted ? ok(`${dir} is a mountpoint\n`) : { stdout: `${dir} is not a mountpoint\n`, exitCode: 32 };
};

export const vgchange: Tool = async ({ host }, argv) => {
  const { flags, words } = splitArgs(argv);
  const vg = (words[0] ?? '').split('/')[0] ?? '';
  if (host.spec.diskless || vg !== VOLUME_GROUP) return fail(5, `  Volume group "${vg}" not found\n  Cannot process volume group ${vg}`);
  const activate = flags.has('-ay') || argv.includes('y');
  return ok(`  ${activate ? 1 : 0} logical volume(s) in volume group "${vg}" now active\n`);
};

export const blockdev: Tool = async ({ host }, argv) => {
  const { flags, words } = splitArgs(argv);
  const dev = words[0] ?? '';
  if (!flags.has('--getsize64')) return fail(1, 'blockdev: only --getsize64 is simulated');
  try {
    return ok(`${(await stat(host.local(dev))).size}\n`);
  } catch {
    return fail(1, `blockdev: cannot open ${dev}: No such file or directory`);
  }
};
