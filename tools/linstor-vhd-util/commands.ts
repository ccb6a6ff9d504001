import { access, readFile } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import {
  blockBitmap, checkVhd, coalesceVhd, createVhd, exportRaw, getKeyHash, killData, openChain, queryDepth, repairVhd,
  resizeVhd, setHidden, setKeyHash, setMarker, setParent, setPhysicalSize, snapshotVhd, VhdImage, VhdError,
  VhdParentMissingError, writeChain,
} from '../../lib/vhd/index.js';
import { hiddenOf } from '../../lib/vhd/query.js';
import { integer, required, UsageError, type Parsed } from './getopt.js';
import { imageArg, type ToolContext } from './image-path.js';
import { printHeaders } from './print-headers.js';

const MB = 2 ** 20;

/** Where a command writes: stdout text or bytes. */
export type Out = { text(s: string): void; bytes(b: Buffer): void };

type Command = { readonly spec: string; run(ctx: ToolContext, args: Parsed, out: Out): Promise<void> };

/** vhd-util's commands as SM calls them (sm-linstor.md §4.2), plus `write` and `export`. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  create: {
    spec: 'n:s:S:r',
    async run(ctx, a) {
      const max = a.values.has('S') ? integer(a, 'S') * MB : undefined;
      await createVhd(ctx, imageArg(ctx, a, 'n'), { sizeBytes: integer(a, 's') * MB, ...(max !== undefined ? { maxSizeBytes: max } : {}) });
    },
  },
  snapshot: {
    spec: 'n:p:mS:e',
    async run(ctx, a) {
      const max = a.values.has('S') ? integer(a, 'S') * MB : undefined;
      await snapshotVhd(ctx, imageArg(ctx, a, 'n'), imageArg(ctx, a, 'p'), {
        parentRaw: a.flags.has('m'),
        noEmptyCheck: a.flags.has('e'),
        ...(max !== undefined ? { maxSizeBytes: max } : {}),
      });
    },
  },
  query: {
    spec: 'n:vspfadSumh',
    async run(ctx, a, out) {
      const name = required(a, 'n');
      const file = imageArg(ctx, a, 'n');
      const image = await VhdImage.open(ctx, file);
      try {
        if (a.flags.has('v')) out.text(`${Math.floor(image.virtualSize / MB)}\n`);
        if (a.flags.has('s')) out.text(`${await image.physicalSize()}\n`);
        if (a.flags.has('p')) {
          const parent = await image.parentPath();
          if (parent === undefined) out.text(`${name} has no parent\n`);
          else {
            if (!a.flags.has('u')) {
              try {
                await access(hostPath(ctx.root, parent));
              } catch (error) {
                throw new VhdParentMissingError(name, parent, { cause: error });
              }
            }
            out.text(`${parent}\n`);
          }
        }
        if (a.flags.has('f')) out.text(`hidden: ${(await hiddenOf(image)) ? 1 : 0}\n`);
        if (a.flags.has('m')) out.text(`marker: ${(await image.loadBatmap())?.header.marker ?? 0}\n`);
        if (a.flags.has('a')) out.text(`${await image.allocatedBlocks()}\n`);
        if (a.flags.has('d')) out.text(`chain depth: ${await queryDepth(ctx, file)}\n`);
        if (a.flags.has('S')) out.text(`${image.header.maxBatEntries * 2}\n`);
      } finally {
        await image.close();
      }
    },
  },
  read: {
    spec: 'n:pB',
    async run(ctx, a, out) {
      const file = imageArg(ctx, a, 'n');
      if (!a.flags.has('p') && !a.flags.has('B')) throw new UsageError('read needs -p or -B');
      if (a.flags.has('p')) {
        const image = await VhdImage.open(ctx, file);
        try {
          out.text(await printHeaders(image));
        } finally {
          await image.close();
        }
      }
      if (a.flags.has('B')) out.bytes(await blockBitmap(ctx, file));
    },
  },
  set: {
    spec: 'n:f:v:',
    async run(ctx, a) {
      const field = required(a, 'f');
      const value = integer(a, 'v');
      if (field === 'hidden') await setHidden(ctx, imageArg(ctx, a, 'n'), value !== 0);
      else if (field === 'marker') await setMarker(ctx, imageArg(ctx, a, 'n'), value);
      else throw new UsageError(`unknown field ${JSON.stringify(field)}`);
    },
  },
  modify: {
    spec: 'n:p:ms:z',
    async run(ctx, a) {
      const file = imageArg(ctx, a, 'n');
      const actions = ['p', 's'].filter((c) => a.values.has(c)).length + (a.flags.has('z') ? 1 : 0);
      if (actions !== 1) throw new UsageError('modify needs exactly one of -p, -s, -z');
      if (a.values.has('p')) await setParent(ctx, file, imageArg(ctx, a, 'p'), { parentRaw: a.flags.has('m') });
      else if (a.values.has('s')) await setPhysicalSize(ctx, file, integer(a, 's'));
      else await killData(ctx, file);
    },
  },
  resize: {
    spec: 'n:s:fj:',
    async run(ctx, a) {
      if (!a.flags.has('f') && !a.values.has('j')) throw new UsageError('resize needs -f or -j JOURNAL');
      await resizeVhd(ctx, imageArg(ctx, a, 'n'), integer(a, 's') * MB);
    },
  },
  coalesce: {
    spec: 'n:',
    async run(ctx, a, out) {
      out.text(`Coalesced ${await coalesceVhd(ctx, imageArg(ctx, a, 'n'))} sectors\n`);
    },
  },
  check: {
    spec: 'n:iBp',
    async run(ctx, a, out) {
      const name = required(a, 'n');
      const file = imageArg(ctx, a, 'n');
      const result = await checkVhd(ctx, file, { ignoreMissingFooter: a.flags.has('i'), fast: a.flags.has('B') });
      if (!result.ok) throw result.error;
      out.text(`${name} is valid\n`);
    },
  },
  repair: {
    spec: 'n:',
    async run(ctx, a) {
      await repairVhd(ctx, imageArg(ctx, a, 'n'));
    },
  },
  key: {
    spec: 'n:psH:N:',
    async run(ctx, a, out) {
      const file = imageArg(ctx, a, 'n');
      if (a.flags.has('s')) {
        const hash = hexBytes(required(a, 'H'), 'H');
        const nonce = a.values.has('N') ? hexBytes(required(a, 'N'), 'N') : Buffer.alloc(32);
        await setKeyHash(ctx, file, { nonce, hash });
      } else if (!a.flags.has('p')) throw new UsageError('key needs -p or -s -H HASH');
      if (a.flags.has('p')) {
        const k = await getKeyHash(ctx, file);
        out.text(k ? `${k.nonce.toString('hex')} ${k.hash.toString('hex')}\n` : 'none\n');
      }
    },
  },
  write: {
    spec: 'n:o:i:',
    async run(ctx, a) {
      const data = await readFile(required(a, 'i'));
      const chain = await openChain(ctx, imageArg(ctx, a, 'n'), { writable: true });
      try {
        await writeChain(chain, integer(a, 'o'), data);
      } finally {
        await chain.close();
      }
    },
  },
  export: {
    spec: 'n:o:',
    async run(ctx, a) {
      await exportRaw(ctx, imageArg(ctx, a, 'n'), required(a, 'o'));
    },
  },
};

function hexBytes(text: string, c: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new UsageError(`-${c} needs 64 hex digits`);
  return Buffer.from(text, 'hex');
}

/** Exit status for an error, errno-like as vhd-util's (SM tells ENOENT apart). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 22;
  if (!(error instanceof VhdError)) return 5;
  switch (error.name) {
    case 'VhdNotFoundError':
    case 'VhdParentMissingError':
      return 2;
    case 'VhdNoSpaceError':
      return 28;
    case 'VhdParentLoopError':
      return 40;
    default:
      return 22;
  }
}
