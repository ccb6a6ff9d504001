/**
 * What sm's package says its files are, from the RPM database: the truth `status` compares the
 * managed paths and their backups with (a file is sm's when its digest, or a link's target, is the
 * one the installed sm recorded), and what `disable` checks before it restores a backup.
 */
import { existsSync } from 'node:fs';
import type { Exec } from '../../lib/exec/run.js';
import { MANAGED } from './managed.js';

/** One managed path as the installed sm package recorded it. */
export type PackagedFile = { readonly kind: 'file'; readonly digest: string } | { readonly kind: 'link'; readonly target: string };

/** The installed sm: its version, digest algorithm, and the managed paths it ships. */
export type SmPackage = {
  readonly version: string;
  /** Node's name of rpm's FILEDIGESTALGO. */
  readonly algorithm: string;
  readonly files: ReadonlyMap<string, PackagedFile>;
};

/** rpm's FILEDIGESTALGO values (rpm's pgpHashAlgo) → Node's hash names. */
const ALGORITHMS: Readonly<Record<string, string>> = { '1': 'md5', '2': 'sha1', '8': 'sha256', '9': 'sha384', '10': 'sha512', '11': 'sha224' };

/** Thrown when the RPM database cannot answer (no rpm, a broken database). */
export class RpmQueryError extends Error {
  override name = 'RpmQueryError';
}

/** rpm's arguments for the database of `root` (a scratch root in tests, `/` on dom0). */
function rpmBase(root: string): string[] {
  // On dom0 rpm knows its database; elsewhere --dbpath keeps Debian's rpm from looking in ~/.rpmdb.
  return root === '/' ? [] : ['--root', root, '--dbpath', '/var/lib/rpm'];
}

const FORMAT = '%{VERSION}-%{RELEASE}\\n%{FILEDIGESTALGO}\\n[%{FILENAMES}\\t%{FILEDIGESTS}\\t%{FILELINKTOS}\\n]';

/** The installed sm package, or undefined when sm is not installed. */
export async function querySmPackage(exec: Exec, root: string): Promise<SmPackage | undefined> {
  const r = await runRpm(exec, root, ['-q', '--qf', FORMAT, 'sm']);
  if (r === undefined) return undefined;
  const [version = '', algo = '', ...lines] = r.split('\n');
  // A digest algorithm of (none) means rpm's default: MD5 for packages older than rpm 4.6.
  const algorithm = ALGORITHMS[algo] ?? (algo === '(none)' ? 'md5' : undefined);
  if (algorithm === undefined) throw new RpmQueryError(`sm's file digest algorithm ${JSON.stringify(algo)} is not one rpm uses`);
  const managed = new Set(MANAGED.map((m) => m.path));
  const files = new Map<string, PackagedFile>();
  for (const line of lines) {
    const [name = '', digest = '', target = ''] = line.split('\t');
    if (!managed.has(name)) continue;
    files.set(name, target !== '' ? { kind: 'link', target } : { kind: 'file', digest });
  }
  return { version, algorithm, files };
}

/** The installed linstor-sr package's version-release, or undefined (installed by make install, or not at all). */
export async function queryOwnVersion(exec: Exec, root: string): Promise<string | undefined> {
  return (await runRpm(exec, root, ['-q', '--qf', '%{VERSION}-%{RELEASE}', 'linstor-sr']))?.split('\n')[0];
}

async function runRpm(exec: Exec, root: string, args: readonly string[]): Promise<string | undefined> {
  let r;
  try {
    // By its path where dom0 has it: the plugin runs with XAPI's bare PATH.
    r = await exec(existsSync('/usr/bin/rpm') ? '/usr/bin/rpm' : 'rpm', [...rpmBase(root), ...args], { allowFailure: true, timeoutMs: 60_000, env: { LC_ALL: 'C' } });
  } catch (error) {
    throw new RpmQueryError(`cannot run rpm to read sm's package: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (r.exitCode === 0) return r.stdout;
  // rpm -q answers 1 and "package X is not installed" on stdout for a missing package.
  if (/is not installed/.test(r.stdout)) return undefined;
  throw new RpmQueryError(`rpm ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
}
