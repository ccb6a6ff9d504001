/**
 * The sr_scan safety check (spec/sm-linstor.md §2.3 step 3, commit 30b45e72): a controller running on an
 * empty, unmounted `/var/lib/linstor` knows no volumes, and a scan would then forget every VDI. The
 * controller must therefore know the database volume, with a resource on this host.
 */
import { DATABASE_VOLUME_NAME } from '../../lib/volume/index.js';
import type { LinstorApi } from '../../lib/linstor/index.js';

/** True when LINSTOR lists `xcp-persistent-database` on `node` (one resource-view request). */
export async function databaseKnownOn(linstor: LinstorApi, node: string): Promise<boolean> {
  const resources = await linstor.resources.view({ resources: [DATABASE_VOLUME_NAME] });
  return resources.some((r) => r.name.toUpperCase() === DATABASE_VOLUME_NAME.toUpperCase() && r.node_name.toUpperCase() === node.toUpperCase());
}
