/**
 * Runs scenarios one after the other against a target and reports each as `ok`, `not ok` or `skip`,
 * then the closing line `N passed, N failed` that CI reads.
 */
import { clientFor, type Scenario, type ScenarioContext, type Target } from './scenario.js';

/** The counts of a run and the lines it printed. */
export type RunSummary = { readonly passed: number; readonly failed: number; readonly skipped: number; readonly lines: readonly string[] };

/** Runs `scenarios` against `target`; `print` gets each output line as it is produced. */
export async function runScenarios(scenarios: readonly Scenario[], target: Target, print: (line: string) => void = () => {}): Promise<RunSummary> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    print(line);
  };
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const scenario of scenarios) {
    const xapi = clientFor(target.url);
    const started = performance.now();
    try {
      await xapi.client.loginWithPassword(target.user, target.password, '1.0', 'conformance');
      const ctx: ScenarioContext = { target, xapi, client: (url) => clientFor(url ?? target.url) };
      const result = await scenario.run(ctx);
      if (result && 'skip' in result) {
        skipped += 1;
        say(`skip - ${scenario.name} (${result.skip})`);
      } else {
        passed += 1;
        say(`ok - ${scenario.name} (${Math.round(performance.now() - started)} ms)`);
      }
    } catch (error) {
      failed += 1;
      say(`not ok - ${scenario.name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await xapi.client.logout().catch((error: unknown) => say(`# logout failed: ${String(error)}`));
    }
  }
  say(`${passed} passed, ${failed} failed`);
  return { passed, failed, skipped, lines };
}
