import { drbdadm, drbdsetup } from './drbd.js';
import { firewallPort, iptables, service } from './firewall.js';
import { lvmPlugin, onSlavePlugin } from './sm-plugins.js';
import { blockdev, mkfsExt4, mount, mountpoint, umount, vgchange } from './storage.js';
import { systemctl } from './systemctl.js';
import { tapCtl } from './tap-ctl.js';
import type { Tool } from './tool.js';

/** Tools found on each simulated host's PATH, by command name. */
export const PATH_TOOLS: Readonly<Record<string, Tool>> = {
  drbdsetup,
  drbdadm,
  'tap-ctl': tapCtl,
  systemctl,
  'mkfs.ext4': mkfsExt4,
  mount,
  umount,
  mountpoint,
  vgchange,
  blockdev,
  iptables,
  service,
};

/** Programs the driver runs by absolute dom0 path (DESIGN.md "Host paths"), installed under each root. */
export const ABSOLUTE_TOOLS: Readonly<Record<string, Tool>> = {
  '/etc/xapi.d/plugins/firewall-port': firewallPort,
  '/etc/xapi.d/plugins/on-slave': onSlavePlugin,
  '/etc/xapi.d/plugins/lvm': lvmPlugin,
};

/**
 * Long-lived servers (the HA bridge's), which a tool stand-in (one request, one answer) cannot be: each
 * host's wrapper runs the `xostor-sim <name>` subcommand of the same name, with the host root, as a
 * process of its own.
 */
export const DAEMON_TOOLS: readonly string[] = ['http-disk-server', 'nbd-http-server'];
