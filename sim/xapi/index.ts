/** The XAPI simulator: see simulator.ts. */
export { XapiSimulator, type XapiSimOptions, type HostEndpoints } from './simulator.js';
export type { SimHostSpec, ResolvedHost } from './context.js';
export { driverParams, type Execution, type ExecutionOutcome } from './executions.js';
export type { ApiCallRecord } from './server.js';
export { writeStandInDriver, STAND_IN_CAPABILITIES, type StandInBehaviour, type StandInDriver, type StandInRecord } from './stand-in-driver.js';
