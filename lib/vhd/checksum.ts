/** One's complement of the byte sum of `buf`, skipping the 4-byte checksum field at `skipAt` (VHD rule). */
export function onesComplementSum(buf: Uint8Array, skipAt = -1): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i += 1) {
    if (i >= skipAt && i < skipAt + 4) continue;
    sum = (sum + (buf[i] ?? 0)) >>> 0;
  }
  return ~sum >>> 0;
}

/**
 * Batmap checksum: one's complement of the sum of the first `bytes` map bytes. Batmap version 1.1
 * summed signed chars (blktap's historical bug), 1.2 unsigned ones.
 */
export function batmapChecksum(map: Uint8Array, bytes: number, signed: boolean): number {
  let sum = 0;
  for (let i = 0; i < bytes; i += 1) {
    const b = map[i] ?? 0;
    sum = (sum + (signed && b > 127 ? b - 256 : b)) >>> 0;
  }
  return ~sum >>> 0;
}
