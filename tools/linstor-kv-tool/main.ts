// linstor-kv-tool: reads or cleans the SR's LINSTOR key-value store (spec/sm-linstor.md §7.1). The
// controller is `-u`, or found as the driver finds it: the database's DRBD state, then every host
// through XAPI (a local root session, as the Python tool's get_controller_uri does).
import { connectController } from '../../lib/discovery/connect.js';
import { readHostEnv } from '../../lib/host/env.js';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import { run } from '../../lib/exec/run.js';
import { defaultSink } from '../../lib/log/file-sink.js';
import { createLogger } from '../../lib/log/logger.js';
import { createLocalXapi } from '../../lib/xapi/index.js';
import { pythonJsonDump, readNamespace, removeAllVolumes, removeVolume } from './kv.js';
import { KvUsageError, parseKvToolArgs, USAGE } from './options.js';

async function connect(uri: string | undefined, log: ReturnType<typeof createLogger>): Promise<LinstorApi> {
  if (uri) return createLinstorClient({ controllers: [uri], logger: log.child('linstor') });
  const env = readHostEnv();
  const xapi = createLocalXapi({ socketPath: env.xapiSocket, originator: 'linstor-kv-tool' });
  await xapi.client.loginWithPassword('root', '');
  try {
    return await connectController({ exec: run, env, log, xapi });
  } finally {
    await xapi.client.logout().catch(() => undefined);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseKvToolArgs(argv);
  } catch (error) {
    if (!(error instanceof KvUsageError)) throw error;
    process.stderr.write(`${USAGE}\nlinstor-kv-tool: error: ${error.message}\n`);
    return 2;
  }
  if ('help' in options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const env = readHostEnv();
  const log = createLogger(defaultSink({ ident: 'SM', file: env.logFile }), { scope: 'linstor-kv-tool' });
  let linstor: LinstorApi | undefined;
  try {
    linstor = await connect(options.uri, log);
    const { action } = options;
    if (action.kind === 'dump') process.stdout.write(`${pythonJsonDump(await readNamespace(linstor, options.group, options.namespace))}\n`);
    else if (action.kind === 'remove-volume') log.info(`removed ${await removeVolume(linstor, options.group, action.vdiUuid)} key(s) of volume ${action.vdiUuid}`);
    else log.info(`removed ${await removeAllVolumes(linstor, options.group)} volume and journal key(s)`);
    return 0;
  } catch (error) {
    process.stderr.write(`linstor-kv-tool: ${oneLine(error)}\n`);
    return 1;
  } finally {
    await linstor?.close();
    await log.close();
  }
}

/** An error as one line for the operator: its message, never a stack trace. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-kv-tool: ${oneLine(error)}\n`);
    process.exitCode = 1;
  },
);
