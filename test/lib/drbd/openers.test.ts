import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openersFile, parseOpeners, readOpeners } from '../../../lib/drbd/index.js';

test('the openers file of a resource volume, under debugfs', (t) => {
  t.is(openersFile('xcp-volume-a', 0), '/sys/kernel/debug/drbd/resources/xcp-volume-a/volumes/0/openers');
  t.is(openersFile('xcp-volume-a', '1'), '/sys/kernel/debug/drbd/resources/xcp-volume-a/volumes/1/openers');
});

test('one opener per line: process name, pid, ms since open', (t) => {
  t.deepEqual(parseOpeners('tapdisk 4242 1000\nqemu-dm 77 5\n'), [
    { process: 'tapdisk', pid: '4242', duration: '1000' },
    { process: 'qemu-dm', pid: '77', duration: '5' },
  ]);
  t.deepEqual(parseOpeners(''), [], 'an empty file: nobody');
});

test('malformed lines: blank or short ones skipped, surrounding blanks and tabs tolerated, extra fields ignored', (t) => {
  const text = ['', '   ', 'tapdisk', 'tapdisk 4242', '  \ttapdisk\t4242   1000  ', 'dd 9 12 extra fields', 'no-newline 3 4'].join('\n');
  t.deepEqual(parseOpeners(text), [
    { process: 'tapdisk', pid: '4242', duration: '1000' },
    { process: 'dd', pid: '9', duration: '12' },
    { process: 'no-newline', pid: '3', duration: '4' },
  ]);
  t.deepEqual(parseOpeners('tapdisk 4242 1000\r\n'), [{ process: 'tapdisk', pid: '4242', duration: '1000' }], 'a CR is trimmed with the line');
});

test('readOpeners: the file under the host root; a missing file is no opener, another read error is thrown', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'drbd-openers-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'sys/kernel/debug/drbd/resources/xcp-volume-a/volumes/0');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'openers'), 'tapdisk 4242 1000\n');
  t.deepEqual(await readOpeners(root, 'xcp-volume-a', 0), [{ process: 'tapdisk', pid: '4242', duration: '1000' }]);
  t.deepEqual(await readOpeners(root, 'xcp-volume-a', '1'), [], 'no such volume');
  t.deepEqual(await readOpeners(root, 'xcp-volume-gone', 0), [], 'no such resource');
  // A directory where the file should be: EISDIR, not a silent "nobody".
  await mkdir(path.join(root, 'sys/kernel/debug/drbd/resources/xcp-volume-b/volumes/0/openers'), { recursive: true });
  await t.throwsAsync(readOpeners(root, 'xcp-volume-b', 0), { code: 'EISDIR' });
});
