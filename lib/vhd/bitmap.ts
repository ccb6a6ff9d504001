/**
 * Bit helpers in blktap's order: bit `n` is `0x80 >> (n & 7)` of byte `n >> 3` (big-endian bitmaps,
 * used by sector bitmaps, the batmap and `read -B`).
 */
export const testBit = (map: Uint8Array, n: number): boolean => (((map[n >> 3] ?? 0) << (n & 7)) & 0x80) !== 0;

/** Sets bit `n`. */
export function setBit(map: Uint8Array, n: number): void {
  map[n >> 3] = (map[n >> 3] ?? 0) | (0x80 >> (n & 7));
}

/** Clears bit `n`. */
export function clearBit(map: Uint8Array, n: number): void {
  map[n >> 3] = (map[n >> 3] ?? 0) & ~(0x80 >> (n & 7));
}

/** Number of set bits among the first `bits` bits. */
export function countBits(map: Uint8Array, bits: number): number {
  let n = 0;
  for (let i = 0; i < bits; i += 1) if (testBit(map, i)) n += 1;
  return n;
}

/** True when the first `bits` bits are all set. */
export function allSet(map: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i += 1) if (map[i] !== 0xff) return false;
  for (let i = full * 8; i < bits; i += 1) if (!testBit(map, i)) return false;
  return true;
}

/** A run of consecutive sectors [start, start + count). */
export type Run = { readonly start: number; readonly count: number };

/** Runs of bits in [from, to) whose value is `value` (set when true). */
export function runsOf(map: Uint8Array, from: number, to: number, value = true): Run[] {
  const runs: Run[] = [];
  let i = from;
  while (i < to) {
    if (testBit(map, i) !== value) {
      i += 1;
      continue;
    }
    const start = i;
    while (i < to && testBit(map, i) === value) i += 1;
    runs.push({ start, count: i - start });
  }
  return runs;
}
