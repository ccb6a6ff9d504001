// linstor-vhd-util: blktap's `vhd-util` command line for the operations SM performs (DESIGN.md
// "Executables"), on lib/vhd. Named so as not to shadow XAPI's own, unrelated /usr/bin/vhd-tool.
// Paths given with -n/-p (absolute, or relative to the working directory as vhd-util takes them) and
// read from parent locators are dom0 paths under LINSTOR_SR_ROOT.
import { readHostEnv } from '../../lib/host/env.js';
import { COMMANDS, exitCodeOf, type Out } from './commands.js';
import { getopt, UsageError } from './getopt.js';

const USAGE = `usage: linstor-vhd-util <${Object.keys(COMMANDS).join('|')}> [--debug] [options]`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    process.stderr.write(`linstor-vhd-util: ${name === undefined ? 'missing command' : `unknown command ${JSON.stringify(name)}`} (${USAGE})\n`);
    return 22;
  }
  const chunks: Buffer[] = [];
  const out: Out = { text: (s) => chunks.push(Buffer.from(s)), bytes: (b) => chunks.push(b) };
  try {
    const env = readHostEnv();
    await command.run({ root: env.root, cwd: process.cwd() }, getopt(rest, command.spec), out);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`linstor-vhd-util ${name}: ${message.split('\n')[0]}${error instanceof UsageError ? ` (${USAGE})` : ''}\n`);
    if (chunks.length) process.stdout.write(Buffer.concat(chunks));
    return exitCodeOf(error);
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(Buffer.concat(chunks), (e) => (e ? reject(e) : resolve())));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-vhd-util: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 5;
  },
);
