/**
 * The `linstor-manager` XAPI host plugin, executed by xapi for `host.call_plugin(…, 'linstor-manager',
 * fn, args)` as `linstor-manager '<methodCall fn(session, {args})>'`: one call in this process
 * (linstor-manager/call.ts), its XenAPI envelope on stdout, exit status 0 either way.
 */
import { writeResponse } from '../lib/smapi/stdout.js';
import { callLinstorManager } from './linstor-manager/call.js';

callLinstorManager(process.argv.slice(2), writeResponse).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-manager: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
