/**
 * The driver's entry point, executed by xapi once per verb as `LinstorSR '<methodCall>'` (through the
 * fast entry, driver/entry.ts): one call in this process, its response on stdout, exit status 0 either
 * way (call.ts).
 */
import { writeResponse } from '../lib/smapi/stdout.js';
import { callDriver } from './call.js';

callDriver(process.argv.slice(2), writeResponse).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    // Only reached if stdout itself could not be written: nothing else can be reported.
    process.stderr.write(`LinstorSR: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
