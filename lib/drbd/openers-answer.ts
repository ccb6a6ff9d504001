/**
 * The linstor-manager plugin's `getDrbdOpeners` answer, `{"<pid>": {"process-name", "open-duration"}}`
 * — the Python plugin's JSON, which the collector also gets from the hosts of a mixed pool.
 */
import type { DrbdOpener } from './openers.js';

export type OpenersAnswer = Record<string, { 'process-name': string; 'open-duration': string }>;

/** The answer for `openers`: keyed by pid, a pid listed twice keeps its last line. */
export function encodeOpenersAnswer(openers: readonly DrbdOpener[]): string {
  const answer: OpenersAnswer = {};
  for (const o of openers) answer[o.pid] = { 'process-name': o.process, 'open-duration': o.duration };
  return JSON.stringify(answer);
}

/** The openers in an answer, `?` for a missing process name; an empty answer lists none. */
export function decodeOpenersAnswer(answer: string): { pid: string; process: string }[] {
  const openers = JSON.parse(answer || '{}') as Record<string, Partial<OpenersAnswer[string]>>;
  return Object.entries(openers).map(([pid, o]) => ({ pid, process: o['process-name'] ?? '?' }));
}
