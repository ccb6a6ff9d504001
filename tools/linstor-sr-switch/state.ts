/**
 * The switch's state file (managed.ts STATE_FILE). The package scriptlets read it to decide whether
 * an sm update must be followed by putting ours back, so its format is one line a shell can grep:
 * `state=enabled`. Written atomically (a temporary file renamed over it).
 */
import { readFile } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import { STATE_FILE } from './managed.js';
import { writeFileAtomically } from './atomic.js';

export type SwitchState = 'enabled' | 'disabled';

/** Thrown when the state file holds something neither side wrote. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}

const HEADER = '# linstor-sr-switch: which LINSTOR driver this host runs. Read by the linstor-sr package scriptlets.\n';

/** The recorded state; a host where the switch never ran is disabled. */
export async function readState(root: string): Promise<SwitchState> {
  let text: string;
  try {
    text = await readFile(hostPath(root, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'disabled';
    throw error;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const [line] = lines;
  if (lines.length === 1 && (line === 'state=enabled' || line === 'state=disabled')) return line === 'state=enabled' ? 'enabled' : 'disabled';
  throw new StateFileError(`${STATE_FILE} must hold one line state=enabled or state=disabled, found ${JSON.stringify(text.slice(0, 200))}`);
}

/** Records `state` (the intent, written before the paths change, so that an interrupted switch is finished by running it again). */
export async function writeState(root: string, state: SwitchState): Promise<void> {
  await writeFileAtomically(hostPath(root, STATE_FILE), `${HEADER}state=${state}\n`, 0o644);
}
