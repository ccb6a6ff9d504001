/**
 * What the pool-administration functions share: a XAPI session (the caller's), this host's record, and
 * a LINSTOR client on the controller found through discovery, closed when the body returns. Errors of
 * the body become `Failure -1 [message]`, the Python plugin's shape for these functions (§6).
 */
import { connectControllerAt } from '../../lib/discovery/connect.js';
import { thisHostRef } from '../../lib/host/inventory.js';
import type { LinstorApi } from '../../lib/linstor/index.js';
import { openSrContext, type SrContext } from '../../lib/sr-context/sr-context.js';
import { PluginFailure } from '../../lib/smapi/plugin.js';
import { createLocalXapi, type PbdRecord, type Xapi } from '../../lib/xapi/index.js';
import { ArgumentError, checkArgs, type ArgSpec, type CheckedArgs } from './args.js';
import type { PluginContext } from './context.js';

export type PoolSession = {
  readonly xapi: Xapi;
  /** This host: its ref, XAPI hostname (= LINSTOR node name) and management address. */
  readonly self: { readonly ref: string; readonly hostname: string; readonly address: string };
  /** Connects on first use, so that XAPI-only checks fail before any controller lookup. */
  linstor(): Promise<LinstorApi>;
  /** The `linstor://<address>` discovery found, once {@link linstor} connected. */
  readonly controllerUri: string | undefined;
  /** The SR built on `groupName`, through this session's XAPI and LINSTOR client (closed with the session); never repaired. */
  srContext(groupName: string): Promise<SrContext>;
};

export function xapiOf(ctx: PluginContext): Xapi {
  return createLocalXapi({ socketPath: ctx.env.xapiSocket, sessionRef: ctx.sessionRef });
}

export async function withPool<T>(ctx: PluginContext, body: (s: PoolSession) => Promise<T>): Promise<T> {
  const xapi = xapiOf(ctx);
  let client: LinstorApi | undefined;
  let uri: string | undefined;
  try {
    const ref = await thisHostRef(xapi, ctx.env.root);
    const record = await xapi.host.getRecord(ref);
    const session: PoolSession = {
      xapi,
      self: { ref, hostname: record.hostname, address: record.address },
      linstor: async () => {
        if (client) return client;
        const found = await connectControllerAt({ exec: ctx.exec, env: ctx.env, log: ctx.log, xapi });
        uri = found.uris[0];
        client = found.linstor;
        return client;
      },
      get controllerUri() {
        return uri;
      },
      srContext: async (groupName) => openSrContext({ env: ctx.env, log: ctx.log, exec: ctx.exec, xapi, groupName, client: await session.linstor() }),
    };
    return await body(session);
  } catch (error) {
    if (error instanceof PluginFailure) throw error;
    throw new PluginFailure('-1', [error instanceof Error ? error.message : String(error)], { cause: error });
  } finally {
    await client?.close();
  }
}

/** The LINSTOR node of a XAPI hostname; a clear failure when LINSTOR has no such node. */
export async function requireNode(linstor: LinstorApi, hostname: string): Promise<void> {
  const nodes = await linstor.nodes.list({ nodes: [hostname] });
  if (!nodes.some((n) => n.name.toLowerCase() === hostname.toLowerCase())) {
    throw new PluginFailure('-1', [`no LINSTOR node named '${hostname}' (is it a host of this SR?)`]);
  }
}

/** {@link checkArgs}, failing as the pool functions fail: `Failure -1 [message]`. */
export function checkPoolArgs<S extends ArgSpec>(args: Readonly<Record<string, string>>, spec: S): CheckedArgs<S> {
  try {
    return checkArgs(args, spec);
  } catch (error) {
    if (error instanceof ArgumentError) throw new PluginFailure('-1', [error.message], { cause: error });
    throw error;
  }
}

/** The LINSTOR SR of this pool built on `groupName` and its PBDs: there must be exactly one such SR. */
export async function srOfGroup(xapi: Xapi, groupName: string): Promise<{ sr: string; pbds: Record<string, PbdRecord> }> {
  const pbds = Object.entries(await xapi.pbd.getAllRecords()).filter(([, p]) => p.device_config['group-name'] === groupName);
  const srs = new Set<string>();
  for (const [, p] of pbds) if ((await xapi.sr.get(p.SR, 'type')) === 'linstor') srs.add(p.SR);
  if (srs.size === 0) throw new PluginFailure('-1', [`no LINSTOR SR with group-name '${groupName}' in this pool`]);
  if (srs.size > 1) throw new PluginFailure('-1', [`several LINSTOR SRs use group-name '${groupName}'`]);
  const [sr] = [...srs] as [string];
  return { sr, pbds: Object.fromEntries(pbds.filter(([, p]) => p.SR === sr)) };
}
