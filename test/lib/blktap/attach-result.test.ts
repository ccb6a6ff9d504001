import test from 'ava';
import { attachResult, vpdPage80, vpdPage83 } from '../../../lib/blktap/attach-result.js';
import { parseTapList } from '../../../lib/blktap/tap-ctl.js';

const SR = '11111111-2222-3333-4444-555555555555';
const VDI = '66666666-7777-8888-9999-000000000000';

test('the attach result names the backend node and the NBD socket, O_DIRECT on', (t) => {
  const r = attachResult(SR, VDI);
  t.is(r.params, `/dev/sm/backend/${SR}/${VDI}`);
  t.is(r.params_nbd, `nbd:unix:/run/blktap-control/nbd/${SR}/${VDI}:exportname=${VDI}`);
  t.true(r.o_direct);
  t.is(r.o_direct_reason, 'SR_NOT_SUPPORTED');
  t.is(r.xenstore_data['vdi-uuid'], VDI);
  t.is(r.xenstore_data['mem-pool'], SR);
  t.false('mem-pool-size' in r.xenstore_data);
  t.is(attachResult(SR, VDI, { readCachingRestricted: true }).o_direct_reason, 'LICENSE_RESTRICTION');
});

test('synthetic SCSI pages have sm\'s exact bytes', (t) => {
  const p80 = Buffer.from(vpdPage80(VDI), 'base64');
  t.is(p80.length, 22);
  t.deepEqual([...p80.subarray(0, 4)], [0x00, 0x80, 0x00, 0x12]);
  t.is(p80.subarray(4).toString('ascii'), '66666666-7777-88  ');
  const p83 = Buffer.from(vpdPage83(VDI), 'base64');
  t.is(p83.length, 53);
  t.deepEqual([...p83.subarray(0, 8)], [0x00, 0x83, 0x00, 0x31, 0x02, 0x01, 0x00, 0x2d]);
  t.is(p83.subarray(8).toString('ascii'), `XENSRC  ${VDI} `);
});

test('memory pool size from ring counts 1..8, invalid ones ignored', (t) => {
  t.is(attachResult(SR, VDI, { srMemPoolRings: '2' }).xenstore_data['mem-pool-size'], '704');
  t.false('mem-pool-size' in attachResult(SR, VDI, { srMemPoolRings: '9' }).xenstore_data);
  const own = attachResult(SR, VDI, { vdiMemPool: 'big', vdiMemPoolRings: '8', srMemPoolRings: '1' }).xenstore_data;
  t.is(own['mem-pool'], 'big');
  t.is(own['mem-pool-size'], '2816');
});

test('tap-ctl list rows, with spaces in paths and incomplete rows ignored', (t) => {
  const rows = parseTapList('pid=12 minor=0 state=0x20 args=vhd:/dev/drbd/by-res/xcp-volume-a/0\npid=13 minor=1 state=0x0 args=aio:/var/run/a b c\npid=14 minor=2\n');
  t.deepEqual(rows, [
    { pid: 12, minor: 0, state: 0x20, type: 'vhd', path: '/dev/drbd/by-res/xcp-volume-a/0' },
    { pid: 13, minor: 1, state: 0, type: 'aio', path: '/var/run/a b c' },
  ]);
});
