/**
 * `xostor-sim controller --dir <dir> --to <host>` and `xostor-sim host --dir <dir> --host <h> down|up`:
 * the failover and host-loss controls of a running pool (see failover.ts), and `xostor-sim node --dir
 * <dir> --node <n> --status <s>`, the `connection_status` a LINSTOR node reports (VERSION_MISMATCH for
 * a satellite of another LINSTOR version). Each prints one JSON line.
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

export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { dir: { type: 'string' }, node: { type: 'string' }, status: { type: 'string' } } });
  if (!values.dir || !values.node || !values.status) throw new Error('usage: node --dir <dir> --node <n> --status ONLINE|OFFLINE|VERSION_MISMATCH');
  process.stdout.write(JSON.stringify(await control(values.dir, '/node', { node: values.node, connection_status: values.status.toUpperCase() })) + '\n');
  return 0;
}
