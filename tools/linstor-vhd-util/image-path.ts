/**
 * Image paths of the command line (`-n`, `-p`). They are dom0 paths, opened under LINSTOR_SR_ROOT;
 * like vhd-util, the tool also takes them relative to the working directory (an operator in
 * /dev/drbd/by-res/<rd> types `-n 0`), which is a dom0 path too once the host root is taken off.
 */
import path from 'node:path';
import { dom0Path } from '../../lib/host/env.js';
import type { VhdContext } from '../../lib/vhd/index.js';
import { required, UsageError, type Parsed } from './getopt.js';

/** What every command runs with: the VHD library's context and the directory relative paths start from. */
export type ToolContext = VhdContext & { readonly cwd: string };

/** The dom0 path of the image named by option `-<c>`, absolute whatever the caller typed. */
export function imageArg(ctx: ToolContext, args: Parsed, c: string): string {
  const given = required(args, c);
  if (given.startsWith('/')) return given;
  const local = path.resolve(ctx.cwd, given);
  try {
    return dom0Path(ctx.root, local);
  } catch (error) {
    // Only in the simulator: the working directory is not on the simulated host.
    throw new UsageError(`-${c} ${given}: the working directory ${ctx.cwd} is outside LINSTOR_SR_ROOT ${ctx.root}`, { cause: error });
  }
}
