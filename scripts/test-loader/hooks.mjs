// Module hooks (see register.mjs). A .ts module under the repository is served as the esbuild bundle of
// itself and of the repository files it imports; anything else goes to Node's default loader.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const inRepo = (file) => file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);

/** Each bundled file answers import.meta.url (and dirname, filename) as its own source file would. */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta')) return { contents: source, loader: 'ts' };
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const contents = source
        .replaceAll('import.meta.url', url)
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

async function bundle(file) {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    sourceRoot: '',
    outfile: file.replace(/\.ts$/, '.mjs'),
    plugins: [ownImportMeta],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

export async function resolve(specifier, context, next) {
  // Sources import each other as './x.js'; a .js that does not exist is its .ts.
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:')) && context.parentURL?.startsWith('file:')) {
    const target = new URL(specifier, context.parentURL);
    const file = fileURLToPath(target);
    if (!existsSync(file) && existsSync(file.slice(0, -3) + '.ts')) return { url: pathToFileURL(file.slice(0, -3) + '.ts').href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    if (inRepo(file)) return { format: 'module', source: await bundle(file), shortCircuit: true };
  }
  return next(url, context);
}
