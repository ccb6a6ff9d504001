// Process tests: the built dist/linstor-vhd-util with real argv, as SM's vhdutil calls vhd-util.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFooter, encodeFooter, type Footer } from '../../lib/vhd/footer.js';
import { decodeHeader, emptyLocator, encodeHeader, type Header, type LocatorEntry } from '../../lib/vhd/header.js';
import { fingerprint, pattern, tmpRoot } from '../lib/vhd/helpers.js';

const TOOL = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/linstor-vhd-util');

type Result = { status: number | null; stdout: string; stderr: string; raw: Buffer };

function vhdUtil(root: string, ...args: string[]): Result {
  return vhdUtilIn(root, process.cwd(), ...args);
}

/** Runs the tool from a working directory, as an operator in a shell does. */
function vhdUtilIn(root: string, cwd: string, ...args: string[]): Result {
  const r = spawnSync(TOOL, args, { cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LINSTOR_SR_ROOT: root } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), raw: r.stdout };
}

function ok(t: import('ava').ExecutionContext, r: Result): string {
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
  return r.stdout;
}

test.before(() => {
  if (!existsSync(TOOL)) throw new Error(`${TOOL} is missing: run npm run build first (npm test does)`);
});

test('create and query print vhd-util\'s lines in vhd-util\'s order', async (t) => {
  const root = await tmpRoot(t);
  ok(t, vhdUtil(root, 'create', '--debug', '-n', '/a.vhd', '-s', '64', '-S', '2097152'));
  t.is(ok(t, vhdUtil(root, 'query', '--debug', '-vsafpdS', '-n', '/a.vhd')), '64\n4327936\n/a.vhd has no parent\nhidden: 0\n0\nchain depth: 1\n2097152\n');
  // Flags in any order on the command line; output order stays -v -s -p -f -a -d -S.
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/a.vhd', '-S', '-f', '-v')), '64\nhidden: 0\n2097152\n');
});

test('snapshot, write, query -p / -u, coalesce and read -p as SM parses them', async (t) => {
  const root = await tmpRoot(t);
  await writeFile(path.join(root, 'data.bin'), pattern(5000, 1));
  ok(t, vhdUtil(root, 'create', '-n', '/base.vhd', '-s', '8'));
  ok(t, vhdUtil(root, 'write', '-n', '/base.vhd', '-o', '100', '-i', path.join(root, 'data.bin')));
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/base.vhd', '-a')), '1\n');
  ok(t, vhdUtil(root, 'snapshot', '--debug', '-n', '/leaf.vhd', '-p', '/base.vhd', '-S', '2097152'));
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/leaf.vhd', '-p', '-d', '-S')), '/base.vhd\nchain depth: 2\n2097152\n');
  ok(t, vhdUtil(root, 'set', '-n', '/base.vhd', '-f', 'hidden', '-v', '1'));
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/base.vhd', '-f')), 'hidden: 1\n');
  const headers = ok(t, vhdUtil(root, 'read', '--debug', '-p', '-n', '/leaf.vhd'));
  t.regex(headers, /^Disk type           : Differencing hard disk$/m);
  t.regex(headers, /^Creator Application : 'tap'$/m);
  t.regex(headers, /^       decoded name : \/base\.vhd$/m);
  t.regex(ok(t, vhdUtil(root, 'read', '-p', '-n', '/base.vhd')), /^Disk type           : Dynamic hard disk$/m);
  await writeFile(path.join(root, 'b.bin'), Buffer.alloc(1030, 0xee));
  ok(t, vhdUtil(root, 'write', '-n', '/leaf.vhd', '-o', '4097', '-i', path.join(root, 'b.bin')));
  t.is(ok(t, vhdUtil(root, 'coalesce', '--debug', '-n', '/leaf.vhd')), 'Coalesced 3 sectors\n');
  ok(t, vhdUtil(root, 'export', '-n', '/base.vhd', '-o', path.join(root, 'out.raw')));
  const out = await readFile(path.join(root, 'out.raw'));
  t.is(out.length, 8 * 2 ** 20);
  t.true(out.subarray(100, 4097).equals(pattern(5000, 1).subarray(0, 3997)));
  t.true(out.subarray(4097, 5127).every((b) => b === 0xee));
  t.is(out[5127], 0);
  // -u prints the locator even when the parent is gone; plain -p fails like vhd-util.
  ok(t, vhdUtil(root, 'snapshot', '-n', '/orphan.vhd', '-p', '/leaf.vhd', '-e'));
  await writeFile(path.join(root, 'leaf.vhd'), '');
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/orphan.vhd', '-p', '-u')), '/leaf.vhd\n');
  const r = vhdUtil(root, 'query', '-n', '/orphan.vhd', '-d');
  t.not(r.status, 0);
});

/** Edits the footer (both copies) and the dynamic header at 512 of `file`, checksums recomputed, as a damaged disk would hold them. */
async function damage(file: string, edit: (footer: Footer, header: Header) => void): Promise<void> {
  const b = await readFile(file);
  const footer = decodeFooter(b.subarray(b.length - 512));
  const header = decodeHeader(b.subarray(512, 1536));
  edit(footer, header);
  const f = encodeFooter(footer);
  f.copy(b, 0);
  f.copy(b, b.length - 512);
  encodeHeader(header).copy(b, 512);
  await writeFile(file, b);
}

const LOCATOR_DAMAGE: readonly { what: string; edit: (l: LocatorEntry) => void; reason: RegExp }[] = [
  {
    what: 'a data length of 0xffffffff',
    edit: (l) => (l.dataLength = 0xffffffff),
    reason: /invalid parent locator 0 data length: expected ≤ its data space \(512 bytes\), found 4294967295$/,
  },
  {
    what: 'data past the end of the file',
    edit: (l) => (l.dataOffset = 100_000_000),
    reason: /invalid parent locator 0 data offset: expected data within the file \(before byte \d+\), found bytes 100000000\.\.100000512$/,
  },
  { what: 'a data space of 4 GiB', edit: (l) => (l.dataSpace = 0xfffffe00), reason: /invalid parent locator 0 data offset/ },
  { what: 'a data space that is no size', edit: (l) => (l.dataSpace = 513), reason: /invalid parent locator 0 data space: .*found 513$/ },
];

for (const { what, edit, reason } of LOCATOR_DAMAGE) {
  test(`a parent locator with ${what}: check reports it invalid, read -p and the others fail cleanly`, async (t) => {
    const root = await tmpRoot(t);
    ok(t, vhdUtil(root, 'create', '-n', '/base.vhd', '-s', '8'));
    ok(t, vhdUtil(root, 'snapshot', '-n', '/leaf.vhd', '-p', '/base.vhd'));
    await damage(path.join(root, 'leaf.vhd'), (_, header) => edit(header.locators[0] ?? emptyLocator()));
    const before = await fingerprint(root);
    const runs = [['read', '-p', '-n', '/leaf.vhd'], ['check', '-n', '/leaf.vhd'], ['query', '-p', '-n', '/leaf.vhd'], ['query', '-s', '-n', '/leaf.vhd'],
      ['modify', '-p', '/base.vhd', '-n', '/leaf.vhd'], ['snapshot', '-e', '-p', '/leaf.vhd', '-n', '/next.vhd']];
    for (const args of runs) {
      const r = vhdUtil(root, ...args);
      t.is(r.status, 22, `${args.join(' ')}: a clean failure, not a signal (${r.stderr})`);
      t.is(r.stdout, '', args.join(' '));
      t.is(r.stderr.split('\n').length, 2, `${args.join(' ')}: one line on stderr`);
      t.regex(r.stderr.trimEnd(), reason, args.join(' '));
    }
    t.deepEqual(await fingerprint(root), before, 'nothing written');
  });
}

test('a batmap or a BAT reaching past the end of the file is refused before it is read', async (t) => {
  const root = await tmpRoot(t);
  ok(t, vhdUtil(root, 'create', '-n', '/a.vhd', '-s', '8'));
  const file = path.join(root, 'a.vhd');
  const bytes = await readFile(file);
  // The batmap header follows the BAT (4 entries, one sector at 1536); its map size in sectors is at 16.
  bytes.writeUInt32BE(0xffffffff, 2048 + 16);
  await writeFile(path.join(root, 'b.vhd'), bytes);
  const batmap = vhdUtil(root, 'query', '-a', '-n', '/b.vhd');
  t.is(batmap.status, 22, batmap.stderr);
  t.regex(batmap.stderr, /^linstor-vhd-util query: \/b\.vhd: invalid batmap map: expected within the file \(before byte \d+\), found bytes 2560\.\.\d+\n$/);
  // 2^29 BAT entries (2 GiB of BAT) claimed by a 4 kB file without a batmap (not made by tap).
  await damage(file, (footer, header) => {
    footer.creatorApp = 'vpc ';
    footer.currentSize = 2 ** 50;
    header.maxBatEntries = 2 ** 29;
  });
  const bat = vhdUtil(root, 'query', '-a', '-n', '/a.vhd');
  t.is(bat.status, 22, bat.stderr);
  t.regex(bat.stderr, /^linstor-vhd-util query: \/a\.vhd: invalid BAT: expected within the file \(before byte \d+\), found bytes 1536\.\.2147485184\n$/);
});

test('read -B writes the raw block allocation bitmap', async (t) => {
  const root = await tmpRoot(t);
  ok(t, vhdUtil(root, 'create', '-n', '/a.vhd', '-s', '20'));
  await writeFile(path.join(root, 'x'), Buffer.alloc(10, 1));
  ok(t, vhdUtil(root, 'write', '-n', '/a.vhd', '-o', String(9 * 2 ** 21), '-i', path.join(root, 'x')));
  ok(t, vhdUtil(root, 'write', '-n', '/a.vhd', '-o', '0', '-i', path.join(root, 'x')));
  const r = vhdUtil(root, 'read', '-B', '-n', '/a.vhd');
  t.is(r.status, 0);
  t.deepEqual(r.raw, Buffer.from([0x80, 0x40]));
});

test('modify -s inflates and deflates on a device, resize -f grows, modify -z kills data', async (t) => {
  const root = await tmpRoot(t);
  await mkdir(path.join(root, 'dev/drbd/by-res/r1'), { recursive: true });
  const dev = path.join(root, 'dev/drbd/by-res/r1/0');
  await writeFile(dev, '');
  await truncate(dev, 4_329_472 + 2 * 2 ** 20 * 4 + 4096);
  ok(t, vhdUtil(root, 'create', '-n', '/dev/drbd/by-res/r1/0', '-s', '8', '-S', '2097152'));
  const phys = Number(ok(t, vhdUtil(root, 'query', '-n', '/dev/drbd/by-res/r1/0', '-s')).trim());
  ok(t, vhdUtil(root, 'modify', '-n', '/dev/drbd/by-res/r1/0', '-s', String(phys)));
  const tooSmall = vhdUtil(root, 'modify', '-n', '/dev/drbd/by-res/r1/0', '-s', String(phys - 512));
  t.is(tooSmall.status, 22);
  t.regex(tooSmall.stderr, /lose data/);
  t.is(tooSmall.stderr.trim().split('\n').length, 1);
  ok(t, vhdUtil(root, 'resize', '-n', '/dev/drbd/by-res/r1/0', '-s', '12', '-f'));
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/dev/drbd/by-res/r1/0', '-v')), '12\n');
  ok(t, vhdUtil(root, 'modify', '-n', '/dev/drbd/by-res/r1/0', '-z'));
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/dev/drbd/by-res/r1/0', '-a')), '0\n');
  t.is(ok(t, vhdUtil(root, 'check', '-B', '-n', '/dev/drbd/by-res/r1/0')), '/dev/drbd/by-res/r1/0 is valid\n');
});

test('check, repair and key', async (t) => {
  const root = await tmpRoot(t);
  ok(t, vhdUtil(root, 'create', '-n', '/a.vhd', '-s', '4'));
  const file = path.join(root, 'a.vhd');
  const bytes = await readFile(file);
  bytes.fill(0, bytes.length - 512);
  await writeFile(file, bytes);
  const bad = vhdUtil(root, 'check', '-n', '/a.vhd');
  t.is(bad.status, 22);
  t.regex(bad.stderr, /^linstor-vhd-util check: \/a\.vhd: invalid footer cookie/);
  t.is(ok(t, vhdUtil(root, 'check', '-i', '-n', '/a.vhd')), '/a.vhd is valid\n');
  ok(t, vhdUtil(root, 'repair', '-n', '/a.vhd'));
  t.is(ok(t, vhdUtil(root, 'check', '-n', '/a.vhd')), '/a.vhd is valid\n');
  t.is(ok(t, vhdUtil(root, 'key', '-p', '-n', '/a.vhd')), 'none\n');
  ok(t, vhdUtil(root, 'key', '-s', '-n', '/a.vhd', '-H', 'ab'.repeat(32)));
  t.is(ok(t, vhdUtil(root, 'key', '-p', '-n', '/a.vhd')), `${'00'.repeat(32)} ${'ab'.repeat(32)}\n`);
});

test('errors: one line on stderr, errno-like exit status, nothing written', async (t) => {
  const root = await tmpRoot(t);
  ok(t, vhdUtil(root, 'create', '-n', '/a.vhd', '-s', '4'));
  const before = await fingerprint(root);
  const missing = vhdUtil(root, 'query', '-v', '-n', '/missing.vhd');
  t.is(missing.status, 2);
  t.is(missing.stdout, '');
  t.is(missing.stderr, 'linstor-vhd-util query: /missing.vhd: no such file\n');
  const noParent = vhdUtil(root, 'snapshot', '-n', '/b.vhd', '-p', '/missing.vhd');
  t.is(noParent.status, 2);
  t.regex(noParent.stderr, /parent \/missing\.vhd not found/);
  const usage = vhdUtil(root, 'query', '-n', '/a.vhd', '-X');
  t.is(usage.status, 22);
  t.regex(usage.stderr, /invalid option -- 'X'/);
  const unknown = vhdUtil(root, 'frobnicate');
  t.is(unknown.status, 22);
  t.is(unknown.stderr.split('\n').length, 2, 'one line');
  t.is(usage.stderr.split('\n').length, 2, 'one line');
  t.is(vhdUtil(root, 'resize', '-n', '/a.vhd', '-s', '8').status, 22);
  const tooBig = vhdUtil(root, 'resize', '-n', '/a.vhd', '-s', '8', '-f');
  t.is(tooBig.status, 22);
  t.regex(tooBig.stderr, /fast resize/);
  t.deepEqual(await fingerprint(root), before);
});

test('image paths relative to the working directory are taken as vhd-util takes them', async (t) => {
  const root = await tmpRoot(t);
  const dir = path.join(root, 'srv/images/r1');
  await mkdir(dir, { recursive: true });
  ok(t, vhdUtilIn(root, dir, 'create', '-n', 'base', '-s', '8'));
  ok(t, vhdUtilIn(root, path.join(root, 'srv/images'), 'snapshot', '-n', 'r1/leaf', '-p', 'r1/base'));
  // The parent is recorded by its dom0 path, whatever the caller typed; names print as typed.
  t.is(ok(t, vhdUtil(root, 'query', '-n', '/srv/images/r1/leaf', '-p')), '/srv/images/r1/base\n');
  t.is(ok(t, vhdUtilIn(root, dir, 'query', '-n', './leaf', '-d')), 'chain depth: 2\n');
  t.is(ok(t, vhdUtilIn(root, dir, 'check', '-n', 'leaf')), 'leaf is valid\n');
  t.is(ok(t, vhdUtilIn(root, dir, 'query', '-n', 'base', '-p')), 'base has no parent\n');
  // A working directory outside the simulated host cannot name one of its files.
  const outside = vhdUtilIn(root, os.tmpdir(), 'query', '-n', 'base', '-v');
  t.is(outside.status, 22);
  t.regex(outside.stderr, /outside LINSTOR_SR_ROOT/);
});
