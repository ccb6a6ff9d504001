// Shared test helpers for lib/vhd and linstor-vhd-util: temporary host roots, file fingerprints and the
// independent oracles (qemu-img, libvhdi's vhdiinfo and pyvhdi). Not a test file (no .test.ts suffix).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

/** A fresh host root under /tmp, removed when the test ends. */
export async function tmpRoot(t: ExecutionContext): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'vhd-test-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

/** sha256 of every file under `dir` (to prove that a failed operation wrote nothing). */
export async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath ?? dir, entry.name);
    out[path.relative(dir, full)] = createHash('sha256').update(await readFile(full)).digest('hex');
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** Which oracles this machine has. */
export const ORACLES = {
  qemu: has('qemu-img', ['--version']),
  vhdiinfo: has('vhdiinfo', ['-V']),
  pyvhdi: has('/usr/bin/python3', ['-c', 'import pyvhdi']),
};

/**
 * `test` when the oracle exists; otherwise `test.skip` with the reason in the title — except under
 * CI=true, where the oracles are installed by .ci/run and their absence must fail the run.
 */
export function oracleTitle(title: string, needs: readonly (keyof typeof ORACLES)[]): { title: string; skip: boolean } {
  const missing = needs.filter((n) => !ORACLES[n]);
  if (missing.length === 0) return { title, skip: false };
  if (process.env['CI'] === 'true') return { title: `${title} (oracle missing under CI: ${missing.join(', ')})`, skip: false };
  return { title: `${title} (skipped: ${missing.join(', ')} not installed; apt-get install qemu-utils libvhdi-utils python3-libvhdi)`, skip: true };
}

/** Fails the test when an oracle is missing (CI). */
export function requireOracles(t: ExecutionContext, needs: readonly (keyof typeof ORACLES)[]): boolean {
  const missing = needs.filter((n) => !ORACLES[n]);
  if (missing.length) t.fail(`oracle(s) not installed: ${missing.join(', ')}`);
  return missing.length === 0;
}

function runOk(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** vhdiinfo's report; throws if libvhdi refuses the file. */
export const vhdiinfo = (file: string): string => runOk('vhdiinfo', [file]);

/** qemu-img's virtual size of a single image. */
export function qemuVirtualSize(file: string): number {
  const info = JSON.parse(runOk('qemu-img', ['info', '--output=json', '-f', 'vpc', file])) as { 'virtual-size': number };
  return info['virtual-size'];
}

/** The raw content qemu-img reads from a single (non-differencing) image. */
export async function qemuRaw(file: string, scratch: string): Promise<Buffer> {
  const out = path.join(scratch, `qemu-${path.basename(file)}.raw`);
  runOk('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', file, out]);
  const data = await readFile(out);
  await rm(out);
  return data;
}

const PYVHDI = `import sys, pyvhdi
out, length, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
fs_ = []
for p in paths:
    f = pyvhdi.file(); f.open(p); fs_.append(f)
for c, p in zip(fs_, fs_[1:]):
    c.set_parent(p)
open(out, 'wb').write(fs_[0].read_buffer_at_offset(min(length, fs_[0].get_media_size()), 0))
`;

/**
 * The chain's content as libvhdi reads it (`files`: leaf first, then ancestors, as host paths), up to
 * `length` bytes (libvhdi cannot read past any image's original size, see libvhdiReadable).
 */
export async function pyvhdiRead(files: readonly string[], scratch: string, length = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const script = path.join(scratch, 'pyvhdi-read.py');
  const out = path.join(scratch, 'pyvhdi.out');
  await writeFile(script, PYVHDI);
  runOk('/usr/bin/python3', [script, out, String(length), ...files]);
  const data = await readFile(out);
  await rm(out);
  return data;
}

/** Buffer equality without ava's slow deep diff; on mismatch reports the first differing offset. */
export function assertSameBytes(t: ExecutionContext, actual: Buffer, expected: Buffer, what = 'content'): void {
  if (actual.equals(expected)) {
    t.pass();
    return;
  }
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i += 1;
  t.fail(`${what} differs at byte ${i} (lengths ${actual.length} / ${expected.length}; actual ${actual[i]}, expected ${expected[i]})`);
}

/**
 * 2026-11-24 vhd: libvhdi 20210425 sizes each image by its footer's *original* size (which blktap's fast
 * resize leaves unchanged) and fails to read past a parent's. It can judge a chain only up to the
 * smallest original size in it; qemu-img judges resized single images in full.
 */
export async function libvhdiReadable(files: readonly string[]): Promise<number> {
  let min = Number.MAX_SAFE_INTEGER;
  for (const f of files) {
    const footer = await readFile(f).then((b) => b.subarray(b.length - 512));
    min = Math.min(min, Number(footer.readBigUInt64BE(40)));
  }
  return min;
}
