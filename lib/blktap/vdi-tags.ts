/**
 * The sm-config protocol that lets hosts activate, pause and relink a VDI without a shared lock
 * (spec/blktap2.md §1.9, §2.5): the XAPI record is the shared medium. Activation adds `activating`
 * and `host_<ref>` and re-checks `paused`/`relinking`; pause adds `paused` before reading the host keys.
 */

/** The VDI record's sm-config, as the caller reaches it through XAPI. */
export interface VdiSmConfig {
  read(): Promise<Readonly<Record<string, string>>>;
  /** Fails (MAP_DUPLICATE_KEY) when the key exists. */
  add(key: string, value: string): Promise<void>;
  /** Removing a missing key succeeds. */
  remove(key: string): Promise<void>;
}

/** Asks the host behind a `host_<ref>` key whether a tapdisk there still serves the VDI (on-slave is_open). */
export type IsOpenOn = (hostRef: string) => Promise<boolean>;

/** A tagging attempt that must be retried later (paused, relinking, or a concurrent activation). */
export class NotNow extends Error {
  override name = 'NotNow';
}

/** `activating` is set: another activation is in flight, or a dead one left it (see activation.ts). */
export class ActivatingElsewhere extends NotNow {
  override name = 'ActivatingElsewhere';
}

/** The VDI is still open on another host: multiple attach is not allowed. */
export class NotDetachedCleanlyError extends Error {
  override name = 'NotDetachedCleanlyError';
}

export const hostKey = (hostRef: string): string => `host_${hostRef}`;
const isMapDuplicate = (error: unknown): boolean => /MAP_DUPLICATE_KEY/.test(String((error as { code?: string })?.code ?? (error as Error)?.message ?? error));

/**
 * Steps 1–5 of activate tagging. `hostExists` tells a dead host ref from a live one; `isOpenOn` is the
 * reset check for keys that conflict with this request.
 */
export async function tagActivation(
  config: VdiSmConfig,
  hostRef: string,
  writable: boolean,
  options: { readonly isOpenOn: IsOpenOn; readonly hostExists: (ref: string) => Promise<boolean>; readonly vdi: string },
): Promise<void> {
  let sm = await config.read();
  const mode = writable ? 'RW' : 'RO';
  // This host's own key counts too when its mode is not the one asked for: an activation or
  // deactivation killed here leaves it, and it would make the add below fail for good (sm's reset
  // checks every host key, this host's included).
  const others = Object.entries(sm).filter(([k, v]) => k.startsWith('host_') && !(k === hostKey(hostRef) && v === mode));
  const conflicting = others.filter(([, v]) => v === 'RW' || writable);
  if (conflicting.length > 0) {
    let stillOpen: string | undefined;
    for (const [key] of others) {
      const ref = key.slice('host_'.length);
      if (!(await options.hostExists(ref)) || !(await options.isOpenOn(ref))) {
        await config.remove(key);
      } else {
        stillOpen ??= ref;
        if (writable) break;
      }
    }
    if (stillOpen !== undefined) throw new NotDetachedCleanlyError(`VDI ${options.vdi} not detached cleanly (open on ${stillOpen})`);
    sm = await config.read();
  }
  if ('relinking' in sm || 'paused' in sm) throw new NotNow(`VDI ${options.vdi} is ${'paused' in sm ? 'paused' : 'being relinked'}`);
  try {
    await config.add('activating', 'True');
  } catch (error) {
    // sm lets a read-write request fail here at once; it waits too, so that a stale key can be told apart.
    if (isMapDuplicate(error)) throw new ActivatingElsewhere(`VDI ${options.vdi} is being activated elsewhere`);
    throw error;
  }
  // An activation that already tagged this host with the same mode (a retried verb) is not refused:
  // activate stays idempotent.
  if (sm[hostKey(hostRef)] !== mode) {
    try {
      await config.add(hostKey(hostRef), mode);
    } catch (error) {
      await config.remove('activating');
      throw error;
    }
  }
  const after = await config.read();
  if ('paused' in after || 'relinking' in after) {
    await config.remove(hostKey(hostRef));
    await config.remove('activating');
    throw new NotNow(`VDI ${options.vdi} was paused while activating`);
  }
}
