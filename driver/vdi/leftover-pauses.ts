/**
 * A `paused` mark that no running operation owns: a snapshot or clone killed after its commit point (the
 * chain is final, only the unpause was missing), a compose killed while paused, an unpause that failed on
 * a host. Every pauser on the master holds the SR lock, so under it such a mark is a leftover, and the
 * VDI is unpaused where it is active (it reopens on what its uuid names now).
 *
 * Left alone: a VDI that still has a journal entry (its recovery failed; unpausing could let the guest
 * write to a layer that recovery removes), and every VDI while the collector has a relink or
 * leaf-coalesce to recover — those recoveries unpause themselves, after putting the chain right.
 */
import { tapUnpause } from '../../lib/blktap/pause.js';
import type { VdiSmConfig } from '../../lib/blktap/vdi-tags.js';
import type { Journal } from '../../lib/journal/index.js';
import type { Logger } from '../../lib/log/logger.js';
import { isXapiError, vdiSmConfig, type Ref, type VdiRecord, type Xapi } from '../../lib/xapi/index.js';
import { linstorManagerCall } from '../clone/deps.js';

export type LeftoverPauses = { readonly unpaused: string[]; readonly failed: string[]; readonly leftForCollector: string[] };

/**
 * Unpauses the leftovers among `records` (the SR's VDIs, possibly read before a recovery that unpaused
 * some: each candidate's sm-config is read again); call under the SR lock only.
 */
export async function unpauseLeftovers(o: { xapi: Xapi; journal: Journal; srUuid: string; log: Logger }, records: Readonly<Record<Ref, VdiRecord>>): Promise<LeftoverPauses> {
  const out: LeftoverPauses = { unpaused: [], failed: [], leftForCollector: [] };
  const paused = Object.entries(records).filter(([, r]) => r.sm_config['paused'] !== undefined);
  if (paused.length === 0) return out;
  const entries = await o.journal.entries();
  const collectorRecovering = entries.some((e) => e.type === 'leaf' || e.type === 'relink');
  const journaled = new Set(entries.map((e) => e.id));
  for (const [ref, record] of paused) {
    if (collectorRecovering || journaled.has(record.uuid)) {
      out.leftForCollector.push(record.uuid);
      continue;
    }
    const config = vdiSmConfig(o.xapi.vdi, ref);
    const ok = await unpauseOne(o, config, record.uuid).catch((error: unknown) => {
      if (isXapiError(error, 'HANDLE_INVALID')) return undefined;
      o.log.warn('unpausing a leftover pause failed', { vdi: record.uuid, error });
      return false;
    });
    if (ok === undefined) continue;
    (ok ? out.unpaused : out.failed).push(record.uuid);
  }
  return out;
}

/** Undefined when the mark is gone (a recovery unpaused it meanwhile). */
async function unpauseOne(o: { xapi: Xapi; srUuid: string; log: Logger }, config: VdiSmConfig, uuid: string): Promise<boolean | undefined> {
  if ((await config.read())['paused'] === undefined) return undefined;
  o.log.warn('a VDI was left paused by an operation that is gone: unpausing it', { vdi: uuid });
  return tapUnpause(config, linstorManagerCall(o.xapi), o.log, o.srUuid, uuid);
}
