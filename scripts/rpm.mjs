// `make rpm`: dist/rpm/linstor-sr-<version>-<release>.x86_64.rpm from the built dist/ (spec/packaging.md §3).
// Environment: NODE_DIST (required: the Node distribution the package ships, folder or tarball),
// RELEASE (default 1). Needs rpmbuild (Debian's `rpm` package, or rpm-build). The spec's %install runs
// `make install` into the build root; each scriptlet gets packaging/switch.sh written in, since
// scriptlets may run when the package's files are gone.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function fail(message) {
  process.stderr.write(`make rpm: ${message}\n`);
  process.exit(2);
}

const nodeDist = process.env.NODE_DIST;
const release = process.env.RELEASE || '1';
if (!nodeDist) fail('NODE_DIST is not set: pass the Node distribution to ship (see README, "Installing on XCP-ng")');
if (!/^[A-Za-z0-9._+]+$/.test(release)) fail(`RELEASE ${JSON.stringify(release)} is not an RPM release`);
try {
  execFileSync('rpmbuild', ['--version'], { stdio: 'ignore' });
} catch {
  fail('rpmbuild not found: install rpm (Debian: apt-get install rpm; RPM distributions: rpm-build)');
}
const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
for (const file of ['LinstorSR', 'LinstorSR.py', 'linstor-sr-switch']) {
  if (!(await stat(path.join(root, 'dist', file)).catch(() => undefined))) fail(`dist/${file} is missing: run npm run build (make rpm does unless SKIP_BUILD=1)`);
}

/** The spec with packaging/switch.sh in every scriptlet; `%` doubled, since rpm expands macros there. */
async function spec() {
  const shell = (await readFile(path.join(root, 'packaging', 'switch.sh'), 'utf8')).replaceAll('%', '%%').trimEnd();
  const text = await readFile(path.join(root, 'packaging', 'linstor-sr.spec'), 'utf8');
  if (!text.includes('@SWITCH_SH@')) fail('packaging/linstor-sr.spec lost its @SWITCH_SH@ markers');
  return text.replaceAll('@SWITCH_SH@', shell);
}

const out = path.join(root, 'dist', 'rpm');
const top = path.join(out, `build-${release}`);
await rm(top, { recursive: true, force: true });
for (const dir of ['SPECS', 'BUILD', 'BUILDROOT', 'RPMS', 'SOURCES']) await mkdir(path.join(top, dir), { recursive: true });
const specFile = path.join(top, 'SPECS', 'linstor-sr.spec');
await writeFile(specFile, await spec());
const started = performance.now();
try {
  execFileSync(
  'rpmbuild',
  [
    '-bb', '--quiet',
    '--define', `_topdir ${top}`,
    '--define', `lsr_version ${version}`,
    '--define', `lsr_release ${release}`,
    '--define', `lsr_source ${root}`,
    '--define', `lsr_node_dist ${path.resolve(nodeDist)}`,
    specFile,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
  );
} catch (error) {
  fail(`rpmbuild failed (${error.status !== null ? `exit ${error.status}` : error.signal}): see its messages above`);
}
const name = `linstor-sr-${version}-${release}.x86_64.rpm`;
const built = (await readdir(path.join(top, 'RPMS', 'x86_64'))).find((f) => f === name);
if (!built) fail(`rpmbuild made no ${name}`);
await rename(path.join(top, 'RPMS', 'x86_64', name), path.join(out, name));
await rm(top, { recursive: true, force: true });
const { size } = await stat(path.join(out, name));
process.stdout.write(`dist/rpm/${name}: ${(size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
