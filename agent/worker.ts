/**
 * dist/linstor-sr-agent-worker.cjs: one warm process of the agent (agent/workers.ts forks it). It runs
 * one call at a time as the process of that call: the launcher's argv, environment and pid become the
 * call's, and when the call ends everything a process exit would end goes too — the lock helpers (so no
 * lock outlives its call) and the fault points' counts — before its response goes back over the IPC
 * channel. What it keeps between calls is compiled code and a lock helper started ahead (holding no
 * lock); nothing read from LINSTOR or XAPI.
 */
import { callDriver } from '../driver/call.js';
import { closeLockHelpers, prepareLockHelper } from '../lib/host/sm-lock.js';
import { resetFaultCounts } from '../lib/host/faults.js';
import { setCallerPid } from '../lib/log/caller.js';
import { callLinstorManager } from '../plugins/linstor-manager/call.js';
import type { AgentAnswer, AgentRequest } from './frame.js';
import type { ToWorker, FromWorker } from './ipc.js';

const CALLS: Record<AgentRequest['kind'], (argv: readonly string[], emit: (document: string) => void) => Promise<void>> = {
  driver: callDriver,
  'linstor-manager': callLinstorManager,
};

function send(message: FromWorker): void {
  process.send?.(message);
}

/**
 * Runs one call and answers once it has ended entirely — its logs written, its lock helpers gone — which
 * is when xapi sees a driver process end: a caller never overtakes what the call left behind.
 */
async function runCall(id: number, request: AgentRequest): Promise<void> {
  process.env = { ...request.env };
  setCallerPid(request.pid);
  resetFaultCounts();
  let stdout = '';
  let answer: AgentAnswer;
  try {
    await CALLS[request.kind](request.argv, (document) => {
      stdout += document;
    });
    answer = { stdout, stderr: '', exitCode: 0 };
  } catch (error) {
    // What the entry does when stdout cannot be written; here only a defect can reach it.
    answer = { stdout, stderr: `${request.kind === 'driver' ? 'LinstorSR' : 'linstor-manager'}: ${String(error)}\n`, exitCode: 1 };
  }
  await closeLockHelpers();
  setCallerPid(undefined);
  send({ type: 'done', id, answer, rss: process.memoryUsage.rss() });
  // The next call's lock helper, started while this worker waits.
  prepareLockHelper();
}

process.on('message', (message: ToWorker) => {
  void runCall(message.id, message.request);
});
// The master's end is ours: a worker never outlives its agent.
process.on('disconnect', () => process.exit(0));
prepareLockHelper();
send({ type: 'ready' });
