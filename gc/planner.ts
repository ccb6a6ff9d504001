/**
 * The collector's decisions, as a pure function of what it read (spec/sm-linstor.md §4.5, sm's
 * `cleanup.py` rules): build the VHD trees from the parent links, then, in SM's order,
 *
 *   1. purge `DELETED_` volumes (left by a failed destroy or rollback)
 *   2. delete garbage: hidden leaves (nothing reads them any more)
 *   3. coalesce a hidden non-leaf whose parent has it as its only child (merge it into the parent,
 *      relink its children to the parent, delete it)
 *   4. leaf-coalesce: a visible leaf whose hidden parent has no other child (offline, or live when a VM
 *      runs on it: leaf-policy.ts decides how)
 *
 * A tree that holds a volume it cannot read (missing device, corrupt VHD, unknown parent) or that a
 * foreign process has open is skipped as a whole and reported, never "repaired" by guessing.
 */

/** One volume as the inventory read it. */
export type VolumeView = {
  readonly uuid: string;
  /** LINSTOR resource definition; undefined when the KV names none. */
  readonly resource: string | undefined;
  readonly label: string;
  /** `vhd` or `aio` (RAW) from the KV metadata. */
  readonly vdiType: string;
  readonly hidden: boolean;
  readonly virtualSize: number;
  /** VHD physical size (RAW: the allocated size). */
  readonly physicalSize: number;
  /** Usable DRBD size of the volume. */
  readonly deviceSize: number | undefined;
  /** The parent's VDI uuid, resolved from the parent locator through the KV names. */
  readonly parentUuid: string | undefined;
  /** The parent locator when it names no known volume. */
  readonly unknownParent: string | undefined;
  /** Why the volume cannot be worked on (unreadable VHD, no device); undefined when readable. */
  readonly error: string | undefined;
  /**
   * An unreadable volume whose parent is not known either (no XAPI `vhd-parent`): it may be the child
   * of any hidden volume, so none of them can be proven unused.
   */
  readonly parentUnknown?: boolean;
  /** Host names holding a `host_<ref>` key (a tapdisk serves it there). */
  readonly attachedOn: readonly string[];
  /** A `DELETED_<uuid>` volume. */
  readonly deleted: boolean;
  /** The database, HA statefile and redo-log volumes: never collected. */
  readonly persistent: boolean;
};

/** A node of a VHD tree. */
export type TreeNode = { readonly volume: VolumeView; readonly children: TreeNode[] };

export type Action =
  | { readonly kind: 'purge'; readonly vdi: string }
  | { readonly kind: 'garbage'; readonly vdi: string }
  /** Merge `vdi` into `parent`, relink `children` to `parent`, delete `vdi`. */
  | { readonly kind: 'coalesce'; readonly vdi: string; readonly parent: string; readonly children: readonly string[] }
  /** Merge the leaf `vdi` into its hidden `parent`, which then takes the leaf's uuid. */
  | { readonly kind: 'leaf-coalesce'; readonly vdi: string; readonly parent: string };

export type Skip = { readonly root: string; readonly reason: string };

export type Plan = {
  readonly roots: readonly TreeNode[];
  /** In the order the collector runs them. */
  readonly actions: readonly Action[];
  readonly skipped: readonly Skip[];
};

export type PlanOptions = {
  /** Trees (by root uuid) a foreign process holds open, with the reason. */
  readonly blocked?: ReadonlyMap<string, string>;
};

/** Builds the trees and decides what to do. */
export function plan(volumes: readonly VolumeView[], options: PlanOptions = {}): Plan {
  const byUuid = new Map(volumes.map((v) => [v.uuid, v]));
  const nodes = new Map<string, TreeNode>();
  for (const v of volumes) if (!v.deleted && !v.persistent) nodes.set(v.uuid, { volume: v, children: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.volume.parentUuid === undefined ? undefined : nodes.get(node.volume.parentUuid);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const sortTree = (list: TreeNode[]) => {
    list.sort((a, b) => a.volume.uuid.localeCompare(b.volume.uuid));
    for (const n of list) sortTree(n.children);
  };
  sortTree(roots);

  const actions: Action[] = [];
  const skipped: Skip[] = [];
  for (const v of volumes) if (v.deleted) actions.push({ kind: 'purge', vdi: v.uuid });

  // A volume of unknown parentage could hang below any hidden volume: deleting or merging one could
  // destroy its data. Only the purge goes on until it can be read (or XAPI names its parent).
  const unknown = volumes.filter((v) => v.parentUnknown && !v.deleted && !v.persistent);
  if (unknown.length > 0) {
    for (const v of unknown) skipped.push({ root: v.uuid, reason: `${v.uuid} is unreadable (${v.error ?? 'no VHD'}) and its parent is unknown: nothing is deleted or merged on this SR until it can be read` });
    return { roots, actions, skipped };
  }
  const garbage: Action[] = [];
  const coalesce: Action[] = [];
  const leaf: Action[] = [];
  for (const root of roots) {
    const reason = treeProblem(root, byUuid) ?? options.blocked?.get(root.volume.uuid);
    if (reason !== undefined) {
      skipped.push({ root: root.volume.uuid, reason });
      continue;
    }
    walk(root, undefined, (node, parent) => {
      const v = node.volume;
      if (v.hidden && node.children.length === 0) {
        if (v.attachedOn.length === 0) garbage.push({ kind: 'garbage', vdi: v.uuid });
        return;
      }
      if (parent === undefined || parent.children.length !== 1) return;
      if (v.hidden && v.vdiType === 'vhd') {
        coalesce.push({ kind: 'coalesce', vdi: v.uuid, parent: parent.volume.uuid, children: node.children.map((c) => c.volume.uuid) });
      } else if (!v.hidden && node.children.length === 0 && parent.volume.hidden && v.vdiType === 'vhd') {
        leaf.push({ kind: 'leaf-coalesce', vdi: v.uuid, parent: parent.volume.uuid });
      }
    });
  }
  // Deepest coalesce first is not needed: each pass re-plans after one coalesce, as SM does.
  actions.push(...garbage, ...coalesce, ...leaf);
  return { roots, actions, skipped };
}

function walk(node: TreeNode, parent: TreeNode | undefined, visit: (node: TreeNode, parent: TreeNode | undefined) => void): void {
  visit(node, parent);
  for (const c of node.children) walk(c, node, visit);
}

/** The first reason this tree cannot be worked on, or undefined. */
function treeProblem(root: TreeNode, byUuid: ReadonlyMap<string, VolumeView>): string | undefined {
  let problem: string | undefined;
  walk(root, undefined, (node) => {
    if (problem !== undefined) return;
    const v = node.volume;
    if (v.error !== undefined) problem = `${v.uuid}: ${v.error}`;
    else if (v.unknownParent !== undefined) problem = `${v.uuid}: parent ${v.unknownParent} is not a volume of this SR`;
    else if (v.parentUuid !== undefined && !byUuid.has(v.parentUuid)) problem = `${v.uuid}: parent ${v.parentUuid} is missing`;
  });
  return problem;
}

/** The root uuid of the tree holding `uuid`. */
export function rootOf(roots: readonly TreeNode[], uuid: string): string | undefined {
  for (const root of roots) {
    let found = false;
    walk(root, undefined, (n) => {
      if (n.volume.uuid === uuid) found = true;
    });
    if (found) return root.volume.uuid;
  }
  return undefined;
}

/** One line describing an action, for logs, `--dry-run` and `--status`. */
export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'purge':
      return `purge ${action.vdi} (a volume set aside by a failed destroy or a leaf-coalesce)`;
    case 'garbage':
      return `delete ${action.vdi} (hidden leaf)`;
    case 'coalesce':
      return `coalesce ${action.vdi} into ${action.parent}, relink ${action.children.join(', ') || 'no child'}`;
    case 'leaf-coalesce':
      return `leaf-coalesce ${action.vdi} into ${action.parent}`;
  }
}
