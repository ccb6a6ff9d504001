/** Every conformance scenario, in run order. The verb issues append theirs here. */
import type { Scenario } from '../scenario.js';
import { beyondScenarios } from './beyond.js';
import { coalesceScenarios } from './coalesce.js';
import { errorScenarios } from './errors.js';
import { haConfigScenarios } from './ha-config.js';
import { failoverScenarios } from './failover.js';
import { hostAdminScenarios } from './hosts-admin.js';
import { hostScenarios } from './hosts.js';
import { sessionScenarios } from './sessions.js';
import { sm2026Scenarios } from './sm-2026.js';
import { snapshotScenarios } from './snapshot.js';
import { srAttachScenarios, srCreateScenarios, srDestroyScenarios } from './sr-lifecycle.js';
import { vdiScenarios } from './vdi-lifecycle.js';

export const SCENARIOS: readonly Scenario[] = [
  ...sessionScenarios,
  ...hostScenarios,
  ...errorScenarios,
  // Storage: the SR is created first, used by the VDI scenarios, and destroyed last.
  ...srCreateScenarios,
  ...vdiScenarios,
  ...snapshotScenarios,
  ...sm2026Scenarios,
  ...beyondScenarios,
  ...coalesceScenarios,
  ...haConfigScenarios,
  ...hostAdminScenarios,
  ...failoverScenarios,
  ...srAttachScenarios,
  ...srDestroyScenarios,
];
