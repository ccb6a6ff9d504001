/**
 * The last line every driver verb and plugin call logs: how long it took, how it ended, and the most
 * memory the process held (dom0 is small and xapi runs many calls at once: SMlog shows what each cost).
 * Built-ins only: the driver's fast path logs it too.
 */
import { callerPid } from './caller.js';

export function callEndMessage(what: string, elapsedMs: number, outcome: string): string {
  const peakMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  // In an agent worker the peak is the worker's, over every call it ran.
  const where = callerPid() === process.pid ? '' : ` (agent worker ${process.pid})`;
  return `${what} done in ${Math.round(elapsedMs)} ms: ${outcome}; peak RSS ${peakMiB} MiB${where}`;
}
