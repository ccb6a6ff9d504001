/**
 * `xostor-sim <subcommand> …`: the simulator's executable. Each subcommand is one entry of
 * {@link COMMANDS}; the pool simulator adds `up`, `down`, `io` and `fault` here. Subcommands print
 * their machine-readable answer on stdout and everything else on stderr.
 */
import { runLinstorCommand } from './linstor/cli.js';
import { chaosCommand } from './chaos/cli.js';
import { demoCommand } from './demo/demo.js';
import { downCommand, faultCommand, ioCommand, upCommand } from './pool/cli.js';
import { controllerCommand, hostCommand, nodeCommand } from './pool/failover-cli.js';
import { httpDiskServer } from './host-tools/http-disk-server.js';
import { nbdHttpServer } from './host-tools/nbd-http-server.js';

/** A subcommand: a one-line summary for the usage text, and its main (returns the exit code). */
export type SimCommand = { readonly summary: string; run(argv: readonly string[]): Promise<number> };

/** Subcommands by name. */
export const COMMANDS: Readonly<Record<string, SimCommand>> = {
  linstor: {
    summary: 'linstor --listen <host>:<port|0> --dir <dir> [--disk-size <N>G] [--diskless <node,…>]  run the LINSTOR controller simulator',
    run: runLinstorCommand,
  },
  up: {
    summary: 'up --hosts <n> --dir <dir> [--diskless <host,…>] [--disk-size <N>G] [--ha] [--legacy-plugin-hosts <host,…>]  run a simulated pool in the foreground (the listed hosts answer with the pre-2026 linstor-manager)',
    run: upCommand,
  },
  down: { summary: 'down --dir <dir>  stop the pool running in <dir> and every process it started', run: downCommand },
  io: {
    summary: 'io --dir <dir> --host <h> --vdi <uuid> write|read --offset <n> --file <f> [--length <n>]  guest I/O through the tapdisk stand-in',
    run: ioCommand,
  },
  chaos: {
    summary: 'chaos --seed <n> --ops <m> --concurrency <c> [--dir <dir>] [--check-every <k>] [--fault-rate <p>] [--faults <kind,…>] [--points <text,…>] [--verbose]  the chaos soak: ops and faults on a fresh pool, every acknowledged write and snapshot checked',
    run: chaosCommand,
  },
  demo: { summary: 'demo [--keep] [--hosts <n>]  run the XOSTOR demo scenario on a fresh simulated pool', run: demoCommand },
  fault: {
    summary: 'fault --dir <dir> --host <h> --verb <verb> --point <name> --action throw|kill  arm LINSTOR_SR_FAULTS for the next run of a verb',
    run: faultCommand,
  },
  controller: {
    summary: 'controller --dir <dir> --to <host>  move the LINSTOR controller as drbd-reactor would (demote, promote on <host>, start it there)',
    run: controllerCommand,
  },
  host: { summary: 'host --dir <dir> --host <h> down|up  power a non-master host off or on (satellite offline, tools and XAPI calls fail)', run: hostCommand },
  node: {
    summary: 'node --dir <dir> --node <n> --status ONLINE|OFFLINE|VERSION_MISMATCH  the connection status a LINSTOR node reports',
    run: nodeCommand,
  },
  'http-disk-server': { summary: 'http-disk-server --sim-root <root> --disk <dev> --ip <ip> --port <n>  a simulated host\'s http-disk-server', run: httpDiskServer },
  'nbd-http-server': { summary: 'nbd-http-server --sim-root <root> --socket-path <p> --nbd-name <n> --urls <u,…>  a simulated host\'s nbd-http-server', run: nbdHttpServer },
};

function usage(): string {
  return `usage: xostor-sim <subcommand> [options]\n${Object.values(COMMANDS)
    .map((c) => `  ${c.summary}`)
    .join('\n')}\n`;
}

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (!command) {
  process.stderr.write(name === undefined || name === '--help' ? usage() : `xostor-sim: unknown subcommand '${name}'\n${usage()}`);
  process.exitCode = name === '--help' ? 0 : 2;
} else {
  command.run(rest).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`xostor-sim ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
