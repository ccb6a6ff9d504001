/**
 * Guest I/O through the tapdisk stand-in (`xostor-sim io`): what a VM would read and write on a VDI
 * active on a host. The VDI is found as sm finds it (`/dev/sm/phy/<sr>/<vdi>` → the path the tapdisk
 * serves); I/O waits while the tapdisk is paused (or a pause is requested), goes to the image the tapdisk
 * serves once it runs again, and is counted in flight so that a pause waits for it to drain, as tapdisk's
 * does; it is refused where the VDI is not active.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { openChain, readChain, writeChain } from '../../lib/vhd/index.js';
import { RawImage } from '../../lib/vhd/index.js';
import type { HostRuntime, Tapdisk } from './runtime.js';
import { TAP_PAUSE_REQUESTED, TAP_PAUSED } from './runtime.js';

export type IoRequest = {
  readonly vdi: string;
  readonly op: 'read' | 'write';
  readonly offset: number;
  /** read: bytes to read (default: to the end of the disk). */
  readonly length?: number;
  /** write: the bytes' source; read: where they go. */
  readonly file: string;
};

async function servedPath(host: HostRuntime, vdi: string): Promise<string | undefined> {
  const phy = host.local('/dev/sm/phy');
  if (!existsSync(phy)) return undefined;
  for (const sr of await readdir(phy)) {
    try {
      return await readlink(host.local(`/dev/sm/phy/${sr}/${vdi}`));
    } catch {
      // not in this SR
    }
  }
  return undefined;
}

function tapdiskServing(host: HostRuntime, dom0Path: string): Tapdisk | undefined {
  return [...host.tapdisks.values()].find((t) => t.args !== undefined && t.args.slice(t.args.indexOf(':') + 1) === dom0Path);
}

/**
 * The tapdisk that serves the VDI here, found through its `/dev/sm/phy` link. A link whose tapdisk is
 * not found is given a moment while some tapdisk here is paused: an unpause re-points the link just
 * before it reopens the tapdisk on the new path.
 */
async function findTapdisk(host: HostRuntime, vdi: string, sleep: (ms: number) => Promise<void>, deadline: number): Promise<Tapdisk> {
  const graceEnd = Date.now() + 2_000;
  for (;;) {
    const target = await servedPath(host, vdi);
    const tap = target === undefined ? undefined : tapdiskServing(host, target);
    if (tap) return tap;
    const unpausing = [...host.tapdisks.values()].some((t) => t.state & TAP_PAUSED);
    if (target === undefined || (!unpausing && Date.now() > graceEnd) || Date.now() > deadline) throw new Error(`VDI ${vdi} is not active on ${host.spec.name}`);
    await sleep(20);
  }
}

/** Performs one I/O; resolves with the byte count. `sleep` waits while the tapdisk is paused. */
export async function guestIo(host: HostRuntime, io: IoRequest, sleep: (ms: number) => Promise<void>, timeoutMs = 60_000): Promise<{ bytes: number }> {
  if (!/^[0-9a-f-]{36}$/i.test(io.vdi)) throw new Error(`not a VDI uuid: ${io.vdi}`);
  const deadline = Date.now() + timeoutMs;
  const serving = await findTapdisk(host, io.vdi, sleep, deadline);
  while (serving.state & (TAP_PAUSED | TAP_PAUSE_REQUESTED)) {
    if (Date.now() > deadline) throw new Error(`VDI ${io.vdi} stayed paused on ${host.spec.name}`);
    await sleep(20);
  }
  // The image the tapdisk serves now: an unpause may have reopened it on another path (a snapshot's new leaf).
  const image = serving.args?.slice(serving.args.indexOf(':') + 1);
  if (image === undefined || host.tapdisks.get(serving.pid) !== serving) throw new Error(`VDI ${io.vdi} is not active on ${host.spec.name}`);
  // In flight until done: a pause requested meanwhile waits for it (tap-ctl.ts).
  serving.inflight += 1;
  try {
    return await transferOn(serving, image, host, io);
  } finally {
    serving.inflight -= 1;
  }
}

async function transferOn(tap: Tapdisk, target: string, host: HostRuntime, io: IoRequest): Promise<{ bytes: number }> {
  const type = tap.args?.slice(0, tap.args.indexOf(':'));
  const ctx = { root: host.spec.root };
  if (io.op === 'write' && tap.readOnly) throw new Error(`VDI ${io.vdi} is attached read-only on ${host.spec.name}`);
  if (type === 'aio') {
    const raw = io.op === 'write' ? await RawImage.openWritable(ctx, target) : await RawImage.open(ctx, target);
    try {
      return await transfer(io, (o, l) => raw.container.read(o, l), (o, d) => raw.container.write(o, d), raw.virtualSize);
    } finally {
      await raw.close();
    }
  }
  const chain = await openChain(ctx, target, { writable: io.op === 'write' });
  try {
    return await transfer(io, (o, l) => readChain(chain, o, l), (o, d) => writeChain(chain, o, d), chain.leaf.virtualSize);
  } finally {
    await chain.close();
  }
}

async function transfer(
  io: IoRequest,
  read: (offset: number, length: number) => Promise<Buffer>,
  write: (offset: number, data: Buffer) => Promise<void>,
  sizeBytes: number,
): Promise<{ bytes: number }> {
  if (!Number.isSafeInteger(io.offset) || io.offset < 0) throw new Error(`bad offset ${io.offset}`);
  if (io.op === 'write') {
    const data = await readFile(io.file);
    if (io.offset + data.length > sizeBytes) throw new Error(`write past the end of the disk (${sizeBytes} bytes)`);
    await write(io.offset, data);
    return { bytes: data.length };
  }
  const length = io.length ?? sizeBytes - io.offset;
  if (io.offset + length > sizeBytes) throw new Error(`read past the end of the disk (${sizeBytes} bytes)`);
  const data = await read(io.offset, length);
  await writeFile(io.file, data);
  return { bytes: data.length };
}
