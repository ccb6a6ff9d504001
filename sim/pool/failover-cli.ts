/**
 * `xostor-sim controller --dir <dir> --to <host>` and `xostor-sim host --dir <dir> --host <h> down|up`:
 * the failover and host-loss controls of a running pool (see failover.ts). Each prints one JSON line.
 */
import { parseArgs } from 'node:util';
import { control } from './cli.js';

export async function controllerCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { dir: { type: 'string' }, to: { type: 'string' } } });
  if (!values.dir || !values.to) throw new Error('usage: controller --dir <dir> --to <host>');
  process.stdout.write(JSON.stringify(await control(values.dir, '/controller', { to: values.to })) + '\n');
  return 0;
}

export async function hostCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { dir: { type: 'string' }, host: { type: 'string' } } });
  const state = positionals[0];
  if (!values.dir || !values.host || (state !== 'up' && state !== 'down') || positionals.length !== 1) {
    throw new Error('usage: host --dir <dir> --host <h> down|up');
  }
  process.stdout.write(JSON.stringify(await control(values.dir, '/host', { host: values.host, state })) + '\n');
  return 0;
}
