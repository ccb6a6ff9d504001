/**
 * `xostor-sim up | down | io | fault`: the pool simulator's command line (DESIGN.md "The simulated
 * pool"). `up` runs a pool in the foreground and prints one JSON line when it is ready; the other
 * subcommands find it through `<dir>/xostor-sim.pid` and `<dir>/xostor-sim.json`.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPool, type SimPool } from './pool.js';
import { killMembers, newPoolId, POOL_ID_VAR, poolMembers, selfAndAncestors } from './processes.js';

const PID_FILE = 'xostor-sim.pid';
const INFO_FILE = 'xostor-sim.json';
/** The id in the environment of every process the pool runs (see processes.ts). */
const POOL_ID_FILE = 'xostor-sim.pool-id';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runningPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path.join(dir, PID_FILE), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** What `up` prints and saves: where XAPI and LINSTOR answer, and each host's root and address. */
export function describe(pool: SimPool): Record<string, unknown> {
  const sockets = pool.xapiSockets;
  return {
    xapi_url: pool.xapiUrl ?? null,
    linstor_url: pool.linstorUrl,
    master: pool.spec.master.name,
    control_url: pool.controlUrl,
    hosts: Object.fromEntries(
      pool.spec.hosts.map((h) => [
        h.name,
        {
          root: h.root,
          address: h.address,
          xapi_socket: sockets[h.name] ?? path.join(h.root, 'var/lib/xcp/xapi'),
          ...(pool.xapi.legacyPluginHosts.has(h.name) ? { legacy_plugin: true } : {}),
        },
      ]),
    ),
  };
}

export async function upCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      hosts: { type: 'string', default: '3' },
      dir: { type: 'string' },
      diskless: { type: 'string' },
      'disk-size': { type: 'string' },
      ha: { type: 'boolean', default: false },
      'legacy-plugin-hosts': { type: 'string' },
    },
  });
  if (!values.dir) throw new Error('--dir is required');
  const dir = path.resolve(values.dir);
  const running = await runningPid(dir);
  if (running !== undefined) {
    process.stderr.write(`xostor-sim up: a pool already runs in ${dir} (pid ${running})\n`);
    return 1;
  }
  const sizeText = values['disk-size'];
  const diskSizeGiB = sizeText === undefined ? undefined : Number(/^(\d+)G?$/i.exec(sizeText)?.[1] ?? NaN);
  if (diskSizeGiB !== undefined && !(diskSizeGiB > 0)) throw new Error(`--disk-size must be <N>G, got ${sizeText}`);
  // Written before any process of the pool starts, so that down finds them even if up dies starting.
  const poolId = newPoolId();
  await writeFile(path.join(dir, POOL_ID_FILE), `${poolId}\n`);
  const pool = await startPool({
    dir,
    hosts: Number(values.hosts),
    ...(values.diskless ? { diskless: values.diskless.split(',').filter(Boolean) } : {}),
    ...(diskSizeGiB !== undefined ? { diskSizeGiB } : {}),
    ha: values.ha,
    ...(values['legacy-plugin-hosts'] ? { legacyPluginHosts: values['legacy-plugin-hosts'].split(',').filter(Boolean) } : {}),
    // Settings for the drivers the pool runs, taken from up's own environment.
    env: {
      ...Object.fromEntries(
        ['LINSTOR_SR_TIME_SCALE', 'LINSTOR_SR_GC', 'LINSTOR_SR_LOG_FILE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
      ),
      [POOL_ID_VAR]: poolId,
    },
  });
  const info = describe(pool);
  await writeFile(path.join(dir, PID_FILE), `${process.pid}\n`);
  await writeFile(path.join(dir, INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  process.stdout.write(JSON.stringify(info) + '\n');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await pool.close();
  await rm(path.join(dir, PID_FILE), { force: true });
  return 0;
}

async function readPoolId(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(dir, POOL_ID_FILE), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the pool in `dir`: `up` gracefully, then every process the pool started (processes.ts says
 * how they are told apart) — never another pool's, never the caller or its ancestors.
 */
export async function downCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { dir: { type: 'string' } } });
  if (!values.dir) throw new Error('--dir is required');
  const dir = path.resolve(values.dir);
  const pid = await runningPid(dir);
  const poolId = await readPoolId(dir);
  const spare = await selfAndAncestors(process.pid);
  // Found before up stops: once it has exited, the processes below it are reparented out of its tree.
  const members = await poolMembers({ poolId, upPid: pid, spare });
  if (pid !== undefined && !spare.has(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && alive(pid); i += 1) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  members.delete(pid ?? 0);
  for (const [other, startTime] of await poolMembers({ poolId, upPid: undefined, spare })) members.set(other, startTime);
  await killMembers(members);
  await rm(path.join(dir, PID_FILE), { force: true });
  await rm(path.join(dir, POOL_ID_FILE), { force: true });
  return 0;
}

export async function control(dir: string, route: string, body: Record<string, unknown>): Promise<unknown> {
  const infoPath = path.join(path.resolve(dir), INFO_FILE);
  if (!existsSync(infoPath) || (await runningPid(path.resolve(dir))) === undefined) throw new Error(`no pool runs in ${dir}`);
  const info = JSON.parse(await readFile(infoPath, 'utf8')) as { control_url: string };
  const res = await fetch(`${info.control_url}${route}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(String(answer['error'] ?? `HTTP ${res.status}`));
  return answer;
}

export async function ioCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      host: { type: 'string' },
      vdi: { type: 'string' },
      offset: { type: 'string', default: '0' },
      length: { type: 'string' },
      file: { type: 'string' },
    },
  });
  const op = positionals[0];
  if (!values.dir || !values.host || !values.vdi || !values.file || (op !== 'read' && op !== 'write')) {
    throw new Error('usage: io --dir <dir> --host <h> --vdi <uuid> write|read --offset <n> --file <f> [--length <n>]');
  }
  const answer = await control(values.dir, '/io', {
    host: values.host,
    vdi: values.vdi,
    op,
    offset: Number(values.offset),
    ...(values.length !== undefined ? { length: Number(values.length) } : {}),
    file: path.resolve(values.file),
  });
  process.stdout.write(JSON.stringify(answer) + '\n');
  return 0;
}

export async function faultCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { dir: { type: 'string' }, host: { type: 'string' }, verb: { type: 'string' }, point: { type: 'string' }, action: { type: 'string' } },
  });
  if (!values.dir || !values.host || !values.verb || !values.point || !values.action) {
    throw new Error('usage: fault --dir <dir> --host <h> --verb <verb> --point <name> --action throw|kill');
  }
  await control(values.dir, '/fault', { host: values.host, verb: values.verb, point: values.point, action: values.action });
  process.stdout.write(JSON.stringify({ armed: `${values.point}:${values.action}`, host: values.host, verb: values.verb }) + '\n');
  return 0;
}
