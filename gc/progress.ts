/**
 * Progress of one merge ("a progress bar on a terminal and plain log lines otherwise", "the
 * XAPI task progress of the coalesce, log lines with bytes merged and throughput"). The reporter is the
 * `onProgress(doneBytes, totalBytes)` callback that coalesceNonLeaf / mergeIntoParent pass down to
 * coalesceVhd, which calls it at 0, after every 2 MiB block and at 100% once the parent is synced (a
 * merge run on another host through the plugin reports only 0% and 100%).
 *
 *   const bar = createMergeProgress({
 *     label: describeAction(next),                        // prefixes plain lines and log lines
 *     print: o.print,                                     // whole lines (not on a terminal)
 *     isTTY: o.isTTY === true,                            // main.ts: process.stdout.isTTY === true
 *     write: o.write,                                     // main.ts: (s) => process.stdout.write(s)
 *     setFraction: (f) => progress((stepsDone + f) / steps),  // the merge's 0..1 into the task's range
 *     log: ctx.log,
 *   });
 *   try { await coalesceNonLeaf(ctx, underLock, vdi, parent, step, bar); } finally { bar.finish(); }
 *
 * On a terminal: one line redrawn in place (`\r`) at most every 200 ms — bar, percentage, MiB done/total,
 * MiB/s — ended by a newline at 100% or by finish(), so what is printed next starts on its own line.
 * Otherwise: a plain line at the start, at each further 10%, at least every 10 s while the merge crawls,
 * and at 100%. The log (syslog) gets those same milestones, with the byte counts, in both cases.
 * The XAPI fraction is forwarded at most once a second (each is an XAPI call), and always at 0 and 1.
 * Throughput is measured from the first call, so the lock-taking and inflate before the merge do not
 * count against it.
 */
import type { Logger } from '../lib/log/logger.js';

export type MergeProgressOptions = {
  /** What is being merged, e.g. `coalesce <vdi> into <parent>`. */
  readonly label: string;
  /** One whole line of report (the collector's `o.print`); used when not on a terminal. */
  readonly print: (line: string) => void;
  /** stdout is a terminal: draw the redrawn bar through `write` instead of plain lines. */
  readonly isTTY: boolean;
  /** Raw text to the terminal, no newline added (`(s) => process.stdout.write(s)`). Without it: plain lines. */
  readonly write?: ((text: string) => void) | undefined;
  /** The merge's fraction done, 0..1; the caller maps it into its own range (the XAPI task). */
  readonly setFraction?: (fraction: number) => void;
  readonly log?: Pick<Logger, 'info'>;
  /** Milliseconds clock; tests pass a fake one. */
  readonly now?: () => number;
};

/** The callback to hand to the merge, plus finish() for when it ends (even in failure). */
export type MergeProgress = ((doneBytes: number, totalBytes: number) => void) & { readonly finish: () => void };

const REDRAW_MS = 200;
const TASK_MS = 1000;
const LINE_MS = 10_000;
const BAR_WIDTH = 24;
const MiB = 2 ** 20;

export function createMergeProgress(o: MergeProgressOptions): MergeProgress {
  const now = o.now ?? (() => performance.now());
  let start: { at: number; done: number } | undefined;
  let lastDraw = -Infinity;
  let lastTask = -Infinity;
  let lastLine = -Infinity;
  let lastDecile = -1;
  let barOpen = false;
  let finished = false;

  const report = (done: number, total: number): void => {
    if (finished) return;
    const at = now();
    const first = start === undefined;
    start ??= { at, done };
    const complete = total <= 0 || done >= total;
    const fraction = complete ? 1 : Math.max(0, done / total);
    const elapsedMs = at - start.at;
    // No rate before any time has passed (the first call, or a remote merge reported at once).
    const rate = elapsedMs > 0 ? (done - start.done) / MiB / (elapsedMs / 1000) : undefined;
    const pct = Math.floor(fraction * 100);
    if (o.setFraction && (first || complete || at - lastTask >= TASK_MS)) {
      lastTask = at;
      o.setFraction(fraction);
    }
    if (o.isTTY && o.write && (first || complete || at - lastDraw >= REDRAW_MS)) {
      lastDraw = at;
      const filled = Math.round(fraction * BAR_WIDTH);
      const speed = rate === undefined ? '' : `  ${rate.toFixed(1)} MiB/s`;
      // \x1b[K clears what a longer previous drawing left at the end of the line.
      o.write(`\r\x1b[K[${'#'.repeat(filled).padEnd(BAR_WIDTH, '.')}] ${String(pct).padStart(3)}%  ${mib(done)}/${mib(total)} MiB${speed}`);
      barOpen = true;
    }
    const decile = Math.floor(fraction * 10);
    if (first || complete || decile > lastDecile || at - lastLine >= LINE_MS) {
      lastLine = at;
      lastDecile = decile;
      const speed = rate === undefined ? '' : ` at ${rate.toFixed(1)} MiB/s`;
      const line = `${o.label}: ${pct}% ${mib(done)}/${mib(total)} MiB${speed}`;
      if (!(o.isTTY && o.write)) o.print(line);
      o.log?.info(line, { doneBytes: done, totalBytes: total, ...(rate === undefined ? {} : { mibPerSec: Number(rate.toFixed(1)) }) });
    }
    if (complete) finish();
  };

  const finish = (): void => {
    if (barOpen) o.write?.('\n');
    barOpen = false;
    finished = true;
  };

  return Object.assign(report, { finish });
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}
