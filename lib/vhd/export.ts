import { open } from 'node:fs/promises';
import { BLOCK_SIZE } from './constants.js';
import type { VhdContext } from './container.js';
import { openChain } from './chain.js';
import { readChain } from './chain-io.js';

/**
 * Writes the whole virtual disk of the chain ending at `p` (virtual-size bytes) to `outLocalPath`, a path
 * on this machine (an operator's file, not a dom0 path; linstor-vhd-util export). Reads go 2 MiB at a time.
 */
export async function exportRaw(ctx: VhdContext, p: string, outLocalPath: string): Promise<number> {
  const chain = await openChain(ctx, p);
  try {
    const file = await open(outLocalPath, 'w');
    try {
      const size = chain.leaf.virtualSize;
      for (let at = 0; at < size; at += BLOCK_SIZE) {
        const chunk = await readChain(chain, at, Math.min(BLOCK_SIZE, size - at));
        await file.write(chunk, 0, chunk.length, at);
      }
      await file.truncate(size);
      return size;
    } finally {
      await file.close();
    }
  } finally {
    await chain.close();
  }
}
