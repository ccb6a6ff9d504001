// Layering (the design's layers): lib/volume imports only lib/linstor, lib/log and lib/host;
// lib/journal only lib/log; lib/drbd only lib/host; lib/health nothing. Checked from the import lines,
// since the lint config does not cover these folders.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';

const ALLOWED: Record<string, readonly string[]> = {
  'lib/volume': ['../linstor/', '../log/', '../host/'],
  'lib/journal': ['../log/'],
  'lib/drbd': ['../host/'],
  'lib/health': [],
};

for (const [folder, allowed] of Object.entries(ALLOWED)) {
  test(`${folder} imports only ${[...allowed, 'its own files'].join(', ')} and node built-ins or lru-cache`, async (t) => {
    const root = new URL(`../../${folder}/`, import.meta.url);
    const offending: string[] = [];
    for (const file of await readdir(root)) {
      if (!file.endsWith('.ts')) continue;
      const text = await readFile(new URL(file, root), 'utf8');
      for (const match of text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
        const spec = match[1] ?? '';
        const ok = spec.startsWith('./') || spec.startsWith('node:') || spec === 'lru-cache' || allowed.some((a) => spec.startsWith(a));
        if (!ok) offending.push(`${file}: ${spec}`);
      }
    }
    t.deepEqual(offending, []);
  });
}
