import test from 'ava';
import { decodeRange, describeWrite, SECTOR, writeIdOf, writePayload } from '../../../sim/chaos/pattern.js';
import { createRng } from '../../../sim/chaos/prng.js';

test('a written range decodes to its write id, sector by sector', (t) => {
  const id = writeIdOf(2, 17);
  t.deepEqual(decodeRange(writePayload(id, 100, 3), 100), [id, id, id]);
  t.is(describeWrite(id), 'w2#17');
  t.is(describeWrite(0), 'zeroes (never written)');
});

test('zeroes decode as never written', (t) => {
  t.deepEqual(decodeRange(Buffer.alloc(2 * SECTOR), 0), [0, 0]);
});

test('a sector read at the wrong place, torn, or foreign is garbage', (t) => {
  const id = writeIdOf(0, 1);
  const misplaced = decodeRange(writePayload(id, 10, 1), 11)[0];
  t.regex(typeof misplaced === 'object' ? misplaced.garbage : '', /sector 10 found at sector 11/);
  const torn = writePayload(id, 10, 1);
  torn[300] = torn[300]! ^ 1;
  t.regex(JSON.stringify(decodeRange(torn, 10)[0]), /torn/);
  t.regex(JSON.stringify(decodeRange(Buffer.alloc(SECTOR, 7), 0)[0]), /not written by the soak/);
});

test('streams of the same seed and name repeat; other names and seeds differ', (t) => {
  const draw = (seed: number, name: string) => {
    const r = createRng(seed, name);
    return Array.from({ length: 8 }, () => r.int(1000));
  };
  t.deepEqual(draw(7, 'worker-0/ops'), draw(7, 'worker-0/ops'));
  t.notDeepEqual(draw(7, 'worker-0/ops'), draw(7, 'worker-1/ops'));
  t.notDeepEqual(draw(7, 'worker-0/ops'), draw(8, 'worker-0/ops'));
});

test('weighted draws follow their weights and never pick a zero weight', (t) => {
  const r = createRng(1, 'w');
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 4000; i += 1) counts[r.weighted({ a: 3, b: 1, c: 0 })] += 1;
  t.is(counts.c, 0);
  t.true(counts.a > 2 * counts.b, JSON.stringify(counts));
});
