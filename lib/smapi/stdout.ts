/**
 * The one place that writes to stdout: xapi reads exactly one methodResponse from a driver's or
 * plugin's stdout, so nothing else in driver/, plugins/ or lib/ may write there (logs go to SMlog).
 * On Linux a write to a pipe or file is synchronous, so the document is out before the process ends.
 */
export function writeResponse(document: string): void {
  process.stdout.write(document);
}
