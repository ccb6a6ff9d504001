import test from 'ava';
import { checkRequest, encodeFrame, FrameError, FrameReader, MAX_FRAME_BYTES } from '../../agent/frame.js';

test('a frame is a big-endian length and UTF-8 JSON, read back whole from any split', (t) => {
  const value = { kind: 'driver', argv: ['<methodCall>é</methodCall>'], env: { PATH: '/bin' } };
  const bytes = encodeFrame(value);
  t.is(bytes.readUInt32BE(0), bytes.length - 4);
  for (const cut of [1, 3, 4, 5, bytes.length - 1]) {
    const reader = new FrameReader();
    t.is(reader.push(bytes.subarray(0, cut)), undefined);
    t.deepEqual(reader.push(bytes.subarray(cut)), value);
  }
});

test('a frame reader refuses oversized lengths, trailing bytes and non-JSON', (t) => {
  const huge = Buffer.alloc(4);
  huge.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
  t.throws(() => new FrameReader().push(huge), { instanceOf: FrameError, message: /exceeds/ });
  t.throws(() => new FrameReader().push(Buffer.concat([encodeFrame({}), Buffer.from('x')])), { instanceOf: FrameError, message: /after the frame/ });
  const bad = Buffer.from('\0\0\0\x03{{{', 'latin1');
  t.throws(() => new FrameReader().push(bad), { instanceOf: FrameError, message: /not JSON/ });
});

test('a request names a known kind, an argv of strings and an environment of strings', (t) => {
  t.deepEqual(checkRequest({ kind: 'linstor-manager', argv: ['a'], env: { A: 'b' } }), { kind: 'linstor-manager', argv: ['a'], env: { A: 'b' } });
  t.deepEqual(checkRequest({ kind: 'driver', argv: [], env: {}, pid: 42 }), { kind: 'driver', argv: [], env: {}, pid: 42 });
  for (const [bad, why] of [
    [null, /not an object/],
    [{ kind: 'gc', argv: [], env: {} }, /unknown request kind/],
    [{ kind: 'driver', argv: [1], env: {} }, /argv/],
    [{ kind: 'driver', argv: 'x', env: {} }, /argv/],
    [{ kind: 'driver', argv: [], env: { A: 1 } }, /env/],
    [{ kind: 'driver', argv: [], env: ['A=b'] }, /env/],
    [{ kind: 'driver', argv: [], env: {}, pid: 0 }, /pid/],
    [{ kind: 'driver', argv: [], env: {}, pid: '12' }, /pid/],
  ] as const) {
    t.throws(() => checkRequest(bad), { instanceOf: FrameError, message: why });
  }
});
