/** The messages between the agent and its workers (Node's IPC channel, JSON). */
import type { AgentAnswer, AgentRequest } from './frame.js';

/** A call for the worker, numbered by the agent. */
export type ToWorker = { readonly id: number; readonly request: AgentRequest };

export type FromWorker =
  /** Loaded, waiting for calls. */
  | { readonly type: 'ready' }
  /** The call ended entirely: its answer, and the worker's resident size now. */
  | { readonly type: 'done'; readonly id: number; readonly answer: AgentAnswer; readonly rss: number };
