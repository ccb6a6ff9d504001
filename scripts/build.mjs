// Bundles each executable into one file dist/<name> with a node shebang and the executable bit,
// so that a verb pays one process start and no module resolution (DESIGN.md "Executables").
import { build } from 'esbuild';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** name in dist/ → entry point. Each issue that creates an executable adds its line here. */
export const ENTRIES = {
  LinstorSR: 'driver/main.ts',
  'linstor-manager': 'plugins/linstor-manager.ts',
  'vhd-tool': 'tools/vhd-tool/main.ts',
};

// CommonJS output: an extensionless file outside a "type": "module" package (where make install
// puts it, e.g. /opt/xensource/sm/LinstorSR) is loaded as CommonJS by Node.
const banner = '#!/usr/bin/env node';

await mkdir(path.join(root, 'dist'), { recursive: true });
// Inside this repository the root package.json says "type": "module"; dist/ holds CommonJS bundles.
await writeFile(path.join(root, 'dist', 'package.json'), '{ "type": "commonjs" }\n');
await Promise.all(
  Object.entries(ENTRIES).map(async ([name, entry]) => {
    const outfile = path.join(root, 'dist', name);
    await build({
      entryPoints: [path.join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      banner: { js: banner },
      legalComments: 'none',
      logLevel: 'warning',
    });
    await chmod(outfile, 0o755);
  }),
);
