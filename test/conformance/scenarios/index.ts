/** Every conformance scenario, in run order. The verb issues append theirs here. */
import type { Scenario } from '../scenario.js';
import { errorScenarios } from './errors.js';
import { hostScenarios } from './hosts.js';
import { sessionScenarios } from './sessions.js';

export const SCENARIOS: readonly Scenario[] = [...sessionScenarios, ...hostScenarios, ...errorScenarios];
