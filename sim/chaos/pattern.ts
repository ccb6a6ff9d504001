/**
 * What the soak's guests write: every 512-byte sector names the write it came from, so a read tells not
 * only that data is wrong but whose data it holds (an older write, another sector's, or garbage).
 *
 *   bytes 0..7    "CHAOSDAT"
 *   bytes 8..11   write id (u32 LE; 0 is never used: it stands for "never written", all zeroes)
 *   bytes 12..15  sector number (u32 LE), so a sector written at the wrong place is caught
 *   bytes 16..511 a stream derived from (write id, sector), so a torn or flipped sector is caught
 */

export const SECTOR = 512;
const MAGIC = Buffer.from('CHAOSDAT', 'latin1');
const HEADER = 16;

/** What a sector holds: the write id (0: zeroes, never written), or garbage with a reason. */
export type SectorValue = number | { readonly garbage: string };

function body(writeId: number, sector: number, out: Buffer, at: number): void {
  let x = (Math.imul(writeId, 0x9e3779b1) ^ Math.imul(sector + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let i = HEADER; i < SECTOR; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, at + i);
  }
}

/** The bytes of write `writeId` over `count` sectors from `firstSector`. */
export function writePayload(writeId: number, firstSector: number, count: number): Buffer {
  if (!Number.isInteger(writeId) || writeId <= 0 || writeId > 0xffff_ffff) throw new RangeError(`bad write id ${writeId}`);
  const out = Buffer.alloc(count * SECTOR);
  for (let i = 0; i < count; i += 1) {
    const at = i * SECTOR;
    MAGIC.copy(out, at);
    out.writeUInt32LE(writeId, at + 8);
    out.writeUInt32LE((firstSector + i) >>> 0, at + 12);
    body(writeId, firstSector + i, out, at);
  }
  return out;
}

/** Decodes one sector read at `sector` (`buf` holds exactly its 512 bytes from `at`). */
export function decodeSector(buf: Buffer, at: number, sector: number): SectorValue {
  let zero = true;
  for (let i = 0; i < SECTOR && zero; i += 1) zero = buf[at + i] === 0;
  if (zero) return 0;
  if (!buf.subarray(at, at + MAGIC.length).equals(MAGIC)) return { garbage: 'not written by the soak' };
  const writeId = buf.readUInt32LE(at + 8);
  const placed = buf.readUInt32LE(at + 12);
  if (placed !== sector >>> 0) return { garbage: `write ${writeId}'s sector ${placed} found at sector ${sector}` };
  const expected = Buffer.alloc(SECTOR);
  body(writeId, sector, expected, 0);
  if (!buf.subarray(at + HEADER, at + SECTOR).equals(expected.subarray(HEADER))) return { garbage: `write ${writeId}'s sector torn or altered` };
  return writeId;
}

/** Decodes `buf`, read from `firstSector`, sector by sector. */
export function decodeRange(buf: Buffer, firstSector: number): SectorValue[] {
  if (buf.length % SECTOR !== 0) throw new RangeError(`a read of ${buf.length} bytes is not whole sectors`);
  const out: SectorValue[] = [];
  for (let i = 0; i < buf.length / SECTOR; i += 1) out.push(decodeSector(buf, i * SECTOR, firstSector + i));
  return out;
}

/** Write ids name the worker and op that wrote: `(worker + 1) * 1e6 + op index`. */
export function writeIdOf(worker: number, opIndex: number): number {
  if (worker < 0 || worker > 4000 || opIndex < 0 || opIndex >= 1_000_000) throw new RangeError(`no write id for worker ${worker} op ${opIndex}`);
  return (worker + 1) * 1_000_000 + opIndex;
}

/** `w<worker>#<op>` for a write id (what the op log calls that op). */
export function describeWrite(writeId: number): string {
  if (writeId === 0) return 'zeroes (never written)';
  return `w${Math.floor(writeId / 1_000_000) - 1}#${writeId % 1_000_000}`;
}
