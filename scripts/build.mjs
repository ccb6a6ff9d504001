// Bundles each executable into one file dist/<name> with a node shebang and the executable bit,
// so that a verb pays one process start and no module resolution (DESIGN.md "Executables").
import { build } from 'esbuild';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * The bundles run on Node 20, 22 and 24 (package.json "engines"; CI runs the process tests on 20 and 24):
 * esbuild lowers nothing for the oldest line, so the same files run on all three.
 */
const TARGET = 'node20.19';

/** name in dist/ → entry point. Each issue that creates an executable adds its line here. */
export const ENTRIES = {
  // xapi's entry: answers sr_get_driver_info itself and loads the full driver for anything else.
  LinstorSR: 'driver/entry.ts',
  'LinstorSR-main.cjs': 'driver/main.ts',
  'linstor-manager': 'plugins/linstor-manager.ts',
  'linstor-vhd-util': 'tools/linstor-vhd-util/main.ts',
  'linstor-kv-tool': 'tools/linstor-kv-tool/main.ts',
  'linstor-health': 'tools/linstor-health/main.ts',
  'linstor-sr-switch': 'tools/linstor-sr-switch/main.ts',
  // Installed at /etc/xapi.d/plugins/linstor-sr-switch (a link): runs linstor-sr-switch on each host for --pool.
  'linstor-sr-switch-plugin': 'plugins/linstor-sr-switch.ts',
  'xostor-sim': 'sim/cli.ts',
  'linstor-gc': 'gc/main.ts',
  // The per-host agent and its warm workers, which run driver and linstor-manager calls for the launchers.
  'linstor-sr-agent': 'agent/main.ts',
  'linstor-sr-agent-worker.cjs': 'agent/worker.ts',
};

// CommonJS output: an extensionless file outside a "type": "module" package (where make install
// puts it, e.g. /opt/xensource/sm/LinstorSR) is loaded as CommonJS by Node.
const banner = [
  '#!/usr/bin/env node',
  // Sources use import.meta.url (ESM); a CommonJS bundle gets it from its own file name.
  "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
].join('\n');

/**
 * Large third-party packages that most calls never load (winston) or load late (execa).
 * Each is bundled on its own and embedded in every executable as a deflated base64 string, inflated
 * and compiled on first require: reading and scanning a short string costs far less than pre-parsing
 * the code, so a verb pays only for the packages it uses (sr_get_driver_info loads none of them).
 * Their exports are the package's own.
 */
const LAZY_VENDOR = ['execa', 'winston'];

async function bundleVendor(name) {
  const result = await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'cjs',
    write: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  return result.outputFiles[0].text;
}

function lazyVendorPlugin(sources) {
  return {
    name: 'lazy-vendor',
    setup(b) {
      const filter = new RegExp(`^(${LAZY_VENDOR.map((n) => n.replace(/[-/]/g, '\\$&')).join('|')})$`);
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-vendor' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-vendor' }, (args) => ({
        loader: 'js',
        contents: [
          `const packed = ${JSON.stringify(deflateRawSync(sources.get(args.path), { level: 9 }).toString('base64'))};`,
          `const source = require('node:zlib').inflateRawSync(Buffer.from(packed, 'base64')).toString('utf8');`,
          `const { compileFunction } = require('node:vm');`,
          `const wrapper = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: ${JSON.stringify(`vendor/${args.path}.js`)} });`,
          `wrapper.call(module.exports, module.exports, require, module, __filename, __dirname);`,
        ].join('\n'),
      }));
    },
  };
}

const sources = new Map(await Promise.all(LAZY_VENDOR.map(async (name) => [name, await bundleVendor(name)])));

await mkdir(path.join(root, 'dist'), { recursive: true });
// Inside this repository the root package.json says "type": "module"; dist/ holds CommonJS bundles.
await writeFile(path.join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
/**
 * The driver's DRIVER_INFO and the sr_get_driver_info response the full driver prints, from the real
 * object and the real encoder, so that what is written into the launcher and the fast entry never differs.
 */
async function driverInfoArtifacts() {
  const contents = [
    "import { DRIVER_INFO } from './driver/driver-info.ts';",
    "import { encodeResult } from './lib/smapi/response.ts';",
    'export const driverInfo = DRIVER_INFO;',
    'export const response = encodeResult(DRIVER_INFO);',
  ].join('\n');
  const info = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'driver-info-artifacts.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'error',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', info.outputFiles[0].text)(mod, mod.exports, createRequire(import.meta.url));
  return mod.exports;
}

const { driverInfo, response: driverInfoResponse } = await driverInfoArtifacts();

/** The dom0 launchers (the driver's with its DRIVER_INFO written in), their agent client, and the fcntl lock helper. */
async function buildDom0Files() {
  // JSON of strings and arrays is also a Python literal.
  const launcher = (await readFile(path.join(root, 'dom0', 'LinstorSR.py'), 'utf8')).replace(
    'DRIVER_INFO = None  # @generated DRIVER_INFO',
    `DRIVER_INFO = ${JSON.stringify(driverInfo)}  # generated from driver/driver-info.ts`,
  );
  if (!launcher.includes('generated from driver/driver-info.ts')) throw new Error('dom0/LinstorSR.py lost its DRIVER_INFO marker');
  await writeFile(path.join(root, 'dist', 'LinstorSR.py'), launcher, { mode: 0o755 });
  await copyFile(path.join(root, 'dom0', 'sm-lock-helper.py'), path.join(root, 'dist', 'sm-lock-helper.py'));
  await copyFile(path.join(root, 'dom0', 'linstor_sr_agent.py'), path.join(root, 'dist', 'linstor_sr_agent.py'));
  await copyFile(path.join(root, 'dom0', 'linstor-manager.py'), path.join(root, 'dist', 'linstor-manager.py'));
  await chmod(path.join(root, 'dist', 'linstor-manager.py'), 0o755);
}

await buildDom0Files();
await Promise.all(
  Object.entries(ENTRIES).map(async ([name, entry]) => {
    const outfile = path.join(root, 'dist', name);
    await build({
      entryPoints: [path.join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: TARGET,
      format: 'cjs',
      banner: { js: banner },
      legalComments: 'none',
      logLevel: 'warning',
      define: { 'import.meta.url': '__importMetaUrl', LINSTOR_SR_DRIVER_INFO_RESPONSE: JSON.stringify(driverInfoResponse) },
      plugins: [lazyVendorPlugin(sources)],
    });
    await chmod(outfile, 0o755);
  }),
);
