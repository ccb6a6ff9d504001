/**
 * Which Node runtime runs the bundles the simulator starts. They begin with `#!/usr/bin/env node`
 * and xapi gives them a bare system PATH, so without a choice they run on the system's `node`,
 * whatever runtime runs the simulator or the tests. XOSTOR_SIM_NODE names another one (CI runs the
 * process tests and the demo on each supported Node line); its directory then comes before the
 * system directories on the PATH of every driver, plugin and host process.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

const STANDARD_DIRS = ['/sbin', '/usr/sbin', '/bin', '/usr/bin'];

/** Thrown when XOSTOR_SIM_NODE cannot be the `node` a PATH lookup finds. */
export class SimNodeError extends Error {
  override name = 'SimNodeError';
}

/**
 * The directory to put on the PATH of simulated processes, or undefined when the system's `node`
 * is the one to use. Without XOSTOR_SIM_NODE, this runtime's directory is used only when the system
 * directories hold no `node` at all.
 */
export function nodeDirFor(env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): string | undefined {
  const chosen = env['XOSTOR_SIM_NODE'];
  if (chosen !== undefined && chosen !== '') {
    if (!path.isAbsolute(chosen) || path.basename(chosen) !== 'node') {
      throw new SimNodeError(`XOSTOR_SIM_NODE must be the absolute path of a file named node (PATH finds it by that name), got ${JSON.stringify(chosen)}`);
    }
    try {
      accessSync(chosen, constants.X_OK);
    } catch (error) {
      throw new SimNodeError(`XOSTOR_SIM_NODE ${chosen} is not an executable file`, { cause: error });
    }
    return path.dirname(chosen);
  }
  if (STANDARD_DIRS.some((d) => existsSync(path.join(d, 'node')))) return undefined;
  return path.dirname(execPath);
}
