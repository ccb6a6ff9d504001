/**
 * `npm run conformance`: runs the XenAPI scenarios against a real pool when XAPI_URL is set
 * (with XAPI_USER, XAPI_PASSWORD and optionally XAPI_SR_UUID), else against a simulated pool it starts
 * itself (CONFORMANCE_LEGACY_HOSTS names hosts that answer as the pre-2026 sm). Prints one line per scenario, then `N passed, N failed`; exits 0 only if none failed.
 */
import { runScenarios } from './runner.js';
import type { Target } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { startSimulatedPool, type SimulatedPool } from './simulated-pool.js';

async function main(): Promise<number> {
  const env = process.env;
  let pool: SimulatedPool | undefined;
  let target: Target;
  if (env['XAPI_URL']) {
    target = { kind: 'real', url: env['XAPI_URL'], user: env['XAPI_USER'] || 'root', password: env['XAPI_PASSWORD'] ?? '', srUuid: env['XAPI_SR_UUID'] || undefined };
  } else {
    // CONFORMANCE_LEGACY_HOSTS=host2,…: those hosts answer with the pre-2026 plugin (a mixed pool).
    const legacy = (env['CONFORMANCE_LEGACY_HOSTS'] ?? '').split(',').filter((h) => h !== '');
    pool = await startSimulatedPool(3, { legacyPluginHosts: legacy });
    target = pool.target;
  }
  const mixed = env['CONFORMANCE_LEGACY_HOSTS'] && !env['XAPI_URL'] ? ` (pre-2026 plugin on ${env['CONFORMANCE_LEGACY_HOSTS']})` : '';
  console.log(`# conformance against the ${target.kind} pool at ${target.url}${mixed}`);
  try {
    const summary = await runScenarios(SCENARIOS, target, (line) => console.log(line));
    return summary.failed === 0 && summary.passed > 0 ? 0 : 1;
  } finally {
    await pool?.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`conformance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 2;
  },
);
