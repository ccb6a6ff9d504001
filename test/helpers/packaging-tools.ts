import test, { type Implementation } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** The Debian packages the package tests use: rpm (rpm, rpmbuild) and busybox-static (the scratch roots' /bin/sh). */
export const PACKAGING_TOOLS = {
  rpm: has('rpm', ['--version']),
  rpmbuild: has('rpmbuild', ['--version']),
  busybox: existsSync('/bin/busybox'),
};

/**
 * Registers a test that needs `needs`: skipped with the reason in its title when one is missing —
 * except under CI=true, where .ci/run installs them and their absence must fail the run.
 */
export function testWith(needs: readonly (keyof typeof PACKAGING_TOOLS)[], title: string, impl: Implementation<[]>): void {
  const missing = needs.filter((n) => !PACKAGING_TOOLS[n]);
  if (missing.length === 0 || process.env['CI'] === 'true') test(title, impl);
  else test.skip(`${title} (skipped: ${missing.join(', ')} not installed; apt-get install rpm busybox-static)`, impl);
}

/** Whether every tool in `needs` is here (or CI=true, where missing ones must fail). */
export function toolsPresent(needs: readonly (keyof typeof PACKAGING_TOOLS)[]): boolean {
  return process.env['CI'] === 'true' || needs.every((n) => PACKAGING_TOOLS[n]);
}
