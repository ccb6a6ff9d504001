/**
 * The XenAPI client and its typed helpers: `createXapi({ endpoint, sessionRef? })` gives one object with
 * a helper per class (`xapi.vdi.dbIntroduce(…)`, `xapi.host.callPlugin(…)`). Used by the driver, the
 * plugin, the conformance runner and the tests.
 */
import { XapiClient, type XapiClientOptions } from './client.js';
import { hostApi, pifApi, poolApi, taskApi, vbdApi, vmApi } from './compute.js';
import { pbdApi, smApi, srApi, vdiApi } from './storage.js';

export { XapiClient, unwrap, type XapiCaller, type XapiClientOptions } from './client.js';
export { XapiError, XapiTransportError, isXapiError, type XapiCallInfo } from './errors.js';
export { describeEndpoint, type XapiEndpoint } from './transport.js';
export { EPOCH, NULL_REF, fieldEquals, fromXapiInt, isNullRef, quoteWhere, toXapiInt, type XapiArg } from './values.js';
export type * from './types.js';
export { objectApi, type ObjectApi } from './objects.js';
export { setVhdParent, vdiSmConfig, VHD_PARENT, type VdiSmConfigAdapter } from './vdi-sm-config.js';

/** The client plus one typed helper object per XenAPI class. */
export type Xapi = ReturnType<typeof createXapi>;

/** Builds a client and its helpers. Log in (or pass `sessionRef`) before calling. */
export function createXapi(options: XapiClientOptions) {
  const client = new XapiClient(options);
  return {
    client,
    call: client.call.bind(client),
    pool: poolApi(client),
    host: hostApi(client),
    pif: pifApi(client),
    sr: srApi(client),
    pbd: pbdApi(client),
    vdi: vdiApi(client),
    sm: smApi(client),
    vm: vmApi(client),
    vbd: vbdApi(client),
    task: taskApi(client),
  };
}

/**
 * The client a driver or plugin process uses: the host's XAPI socket (HostEnv.xapiSocket — calls on a
 * slave's socket reach the master), the session xapi gave it (never logged out), the task it runs under
 * as `Subtask-of`, and `originator: SM` as sm's XenAPI module sends.
 */
export function createLocalXapi(options: {
  readonly socketPath: string;
  readonly sessionRef?: string | undefined;
  readonly subtaskOf?: string | undefined;
  readonly originator?: string;
  readonly log?: XapiClientOptions['log'];
}) {
  return createXapi({
    endpoint: { socketPath: options.socketPath },
    sessionRef: options.sessionRef,
    subtaskOf: options.subtaskOf,
    originator: options.originator ?? 'SM',
    ...(options.log ? { log: options.log } : {}),
  });
}
