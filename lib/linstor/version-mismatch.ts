/**
 * A satellite running another LINSTOR version than the controller reports `connection_status`
 * `VERSION_MISMATCH`; sm then refuses to work on the SR at all, with this message (spec
 * sm-changes-2026 §2), so an operator upgrading a pool sees which hosts are behind.
 */
import type { Node } from './types.js';

/** The `connection_status` of such a node. */
export const VERSION_MISMATCH = 'VERSION_MISMATCH';

/** sm's message naming the mismatching nodes (comma-joined, no space), or undefined when none is. */
export function versionMismatchMessage(nodes: readonly Pick<Node, 'name' | 'connection_status'>[]): string | undefined {
  const names = nodes.filter((n) => n.connection_status?.toUpperCase() === VERSION_MISMATCH).map((n) => n.name);
  return names.length === 0 ? undefined : `Some linstor nodes are not using the same version. Incriminated nodes are: ${names.join(',')}`;
}
