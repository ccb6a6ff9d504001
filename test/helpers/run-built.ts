import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** A built executable in dist/ (npm test builds before running ava). */
export const dist = (name: string): string => path.join(ROOT, 'dist', name);

export type ProcessResult = { stdout: string; stderr: string; exitCode: number | undefined };

/**
 * Runs a built executable the way xapi does: argv array, no stdin, and only PATH and ORIGINATOR=SM
 * in the environment (plus the LINSTOR_SR_* variables a test passes).
 */
export async function runBuilt(name: string, argv: readonly string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  const file = dist(name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  const result = await execa(file, [...argv], {
    reject: false,
    stdin: 'ignore',
    extendEnv: false,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ORIGINATOR: 'SM', LINSTOR_SR_LOG_FILE: '/dev/null', ...env },
    stripFinalNewline: false,
    timeout: 30_000,
  });
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode };
}

const python = (): string => (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Parses XML-RPC with Python's xmlrpc.client, the library SM itself uses — an independent reader. */
export async function parseWithPython(xml: string): Promise<unknown> {
  const script = [
    'import sys, json, xmlrpc.client',
    'data = sys.stdin.read()',
    'try:',
    '    params, method = xmlrpc.client.loads(data)',
    '    print(json.dumps({"method": method, "params": params}))',
    'except xmlrpc.client.Fault as f:',
    '    print(json.dumps({"fault": {"faultCode": f.faultCode, "faultString": f.faultString}}))',
  ].join('\n');
  const { stdout } = await execa(python(), ['-c', script], { input: xml });
  return JSON.parse(stdout) as unknown;
}

/** What Python's `xmlrpc.client.dumps(params, method, encoding=…)` writes: the spelling of a Python client. */
export async function dumpsWithPython(method: string, params: readonly unknown[], encoding?: string): Promise<string> {
  const script = [
    'import sys, json, xmlrpc.client',
    'call = json.load(sys.stdin)',
    "sys.stdout.write(xmlrpc.client.dumps(tuple(call['params']), call['method'], encoding=call['encoding']))",
  ].join('\n');
  const input = JSON.stringify({ method, params, encoding: encoding ?? null });
  const { stdout } = await execa(python(), ['-c', script], { input, stripFinalNewline: false });
  return stdout;
}

/** A PATH holding only the Node runtime (for the shebang's `env node`): no host tool is found. */
export async function nodeOnlyPath(): Promise<string> {
  const { mkdtemp, symlink } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'node-only-'));
  await symlink(process.execPath, path.join(dir, 'node'));
  return dir;
}
