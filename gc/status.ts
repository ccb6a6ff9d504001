/**
 * `linstor-gc --status` and `--dry-run`: each VHD tree of the SR as a tree (VDI uuid, label, hidden,
 * virtual and physical size, LINSTOR resource, where attached), then what the collector would do next
 * and the trees it skips, with why.
 */
import { describeAction, type Plan, type TreeNode } from './planner.js';

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function line(node: TreeNode): string {
  const v = node.volume;
  const parts = [
    v.uuid,
    JSON.stringify(v.label),
    v.hidden ? 'hidden' : 'visible',
    v.vdiType,
    `virtual ${size(v.virtualSize)}`,
    `physical ${size(v.physicalSize)}`,
    v.resource ?? 'no resource',
    v.attachedOn.length > 0 ? `attached on ${v.attachedOn.join(',')}` : 'not attached',
  ];
  if (v.error !== undefined) parts.push(`ERROR ${v.error}`);
  return parts.join('  ');
}

function renderTree(node: TreeNode, prefix: string, last: boolean, top: boolean, out: string[]): void {
  out.push(top ? line(node) : `${prefix}${last ? '└─ ' : '├─ '}${line(node)}`);
  const childPrefix = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
  node.children.forEach((c, i) => renderTree(c, childPrefix, i === node.children.length - 1, false, out));
}

/** The report as lines. */
export function renderStatus(srUuid: string, p: Plan): string[] {
  const out = [`SR ${srUuid}: ${p.roots.length} chain(s)`];
  for (const root of p.roots) renderTree(root, '', true, true, out);
  out.push(p.actions.length === 0 ? 'next: nothing to do' : 'next:');
  for (const a of p.actions) out.push(`  ${describeAction(a)}`);
  for (const s of p.skipped) out.push(`skipped: chain ${s.root}: ${s.reason}`);
  return out;
}
