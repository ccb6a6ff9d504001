// linstor-sr-switch: which LINSTOR driver this host runs — linstor-sr's or sm's Python one. `enable`
// makes the paths sm's package owns for the driver, the linstor-manager plugin and linstor-kv-tool
// links into our tree, keeping sm's files in /var/lib/linstor-sr/sm-backup; `disable` puts them back
// byte for byte; `status` says what each path is. The package's scriptlets keep the choice across sm
// updates (packaging/switch.sh). Exit status: 0 done (status: nothing to fix), 1 refused or a problem
// listed, 2 a usage error or a failure to run.
import { parseArgs } from 'node:util';
import { run } from '../../lib/exec/run.js';
import { readHostEnv } from '../../lib/host/env.js';
import { defaultSink } from '../../lib/log/file-sink.js';
import { createLogger } from '../../lib/log/logger.js';
import { createLocalXapi } from '../../lib/xapi/index.js';
import { heldSrLocks } from './locks.js';
import { onEveryHost, poolHealthy, renderPool, type PoolCommand } from './pool.js';
import { renderStatus } from './report.js';
import { querySmPackage } from './sm-package.js';
import { hostStatus } from './status.js';
import { disable, enable, SwitchRefused } from './switch.js';

const USAGE = 'usage: linstor-sr-switch status|enable|disable [--pool] [--force] [--json]';
const EXIT = { ok: 0, refused: 1, failed: 2 } as const;

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(`linstor-sr-switch: ${text}\n`);

async function pool(command: PoolCommand, force: boolean, json: boolean): Promise<number> {
  const env = readHostEnv();
  const xapi = createLocalXapi({ socketPath: env.xapiSocket, originator: 'linstor-sr-switch' });
  await xapi.client.loginWithPassword('root', '');
  try {
    const outcomes = await onEveryHost(xapi, command, force);
    out(json ? `${JSON.stringify(outcomes, null, 2)}\n` : renderPool(outcomes));
    return (command === 'status' ? poolHealthy(outcomes) : outcomes.every((o) => o.ok)) ? EXIT.ok : EXIT.refused;
  } finally {
    await xapi.client.logout().catch(() => undefined); // the session ends with the process anyway
  }
}

async function local(command: PoolCommand, force: boolean, json: boolean): Promise<number> {
  const env = readHostEnv();
  const sm = await querySmPackage(run, env.root);
  if (command !== 'status') {
    const log = createLogger(defaultSink({ ident: 'SM', file: env.logFile }), { scope: 'linstor-sr-switch' });
    try {
      const options = { root: env.root, sm, force, heldLocks: () => heldSrLocks(env.root) };
      const result = command === 'enable' ? await enable(options) : await disable(options);
      log.info(`${command}: ${result.changed.length ? `changed ${result.changed.join(', ')}` : 'nothing to change'}${force ? ' (--force)' : ''}`);
      if (!json) out(result.changed.length ? `${command}d: ${result.changed.join(', ')}\n` : `already ${command}d: nothing changed\n`);
    } catch (error) {
      log.warn(`${command} refused or failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      await log.close();
    }
  }
  const report = await hostStatus(run, env.root, sm);
  out(json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  return command === 'status' && report.problems.length > 0 ? EXIT.refused : EXIT.ok;
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { pool: { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return EXIT.failed;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(`${USAGE}\n`);
    return EXIT.ok;
  }
  const [command, ...extra] = positionals;
  if ((command !== 'status' && command !== 'enable' && command !== 'disable') || extra.length > 0) {
    err(`${command === undefined ? 'missing command' : `unknown command ${JSON.stringify([command, ...extra].join(' '))}`}\n${USAGE}`);
    return EXIT.failed;
  }
  if (command !== 'status' && !values.pool && process.getuid?.() !== 0) {
    err(`${command} must run as root: it replaces files of sm's package; nothing changed`);
    return EXIT.refused;
  }
  try {
    return await (values.pool ? pool : local)(command, values.force === true, values.json === true);
  } catch (error) {
    if (error instanceof SwitchRefused) {
      for (const reason of error.reasons) err(reason);
      err(`${command} refused: nothing changed`);
      return EXIT.refused;
    }
    err(error instanceof Error ? error.message : String(error));
    return EXIT.failed;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    err(String(error));
    process.exitCode = EXIT.failed;
  },
);
