/**
 * The record of every process the simulator ran for xapi (driver verbs and plugin calls), which tests
 * inspect: what ran, where, with which argv and environment, how long, and what xapi made of it.
 */
import type { XmlRpcValue } from '../../lib/smapi/xmlrpc.js';

/** What xapi concluded from a run: a value, or the XenAPI error it raised to its caller. */
export type ExecutionOutcome =
  | { readonly kind: 'ok'; readonly value: XmlRpcValue }
  | { readonly kind: 'error'; readonly code: string; readonly params: readonly string[] };

/** One process run. */
export type Execution = {
  readonly id: number;
  readonly kind: 'driver' | 'plugin';
  /** The verb (`vdi_attach`) or the plugin function (`hasControllerRunning`). */
  readonly name: string;
  /** The plugin file name (plugins only). */
  readonly plugin?: string;
  /** The host name it ran on. */
  readonly host: string;
  readonly hostRef: string;
  /** `[executable, methodCall XML]`, exactly as exec'd. */
  readonly argv: readonly string[];
  /** The whole environment it got. */
  readonly env: Readonly<Record<string, string>>;
  /** argv[1] decoded: the method and its params (the parameter struct for a driver). */
  readonly params: readonly XmlRpcValue[];
  readonly startedAt: Date;
  readonly durationMs: number;
  /** Its process id: the simulator's LINSTOR counters of that process are `countersOf(pid)`. */
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly outcome: ExecutionOutcome;
};

/** The parameter struct of a driver run (its only param). */
export function driverParams(execution: Execution): Readonly<Record<string, XmlRpcValue>> {
  const [first] = execution.params;
  return first !== null && typeof first === 'object' && !Array.isArray(first) && !Buffer.isBuffer(first) && !(first instanceof Date)
    ? (first as Readonly<Record<string, XmlRpcValue>>)
    : {};
}
