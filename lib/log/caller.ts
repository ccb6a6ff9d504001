/**
 * The process a call belongs to as its caller sees it: this process, or — when an agent worker runs the
 * call for a launcher — the launcher's (what xapi ran and logs). SMlog lines carry it, and so does the
 * LINSTOR User-Agent, so that a call reads and counts the same in both modes.
 */
let caller: number | undefined;

export function callerPid(): number {
  return caller ?? process.pid;
}

/** An agent worker sets it at the start of each call (undefined: this process again). */
export function setCallerPid(pid: number | undefined): void {
  caller = pid;
}
