import type { PluginFunction } from './context.js';

/**
 * The plugin's dispatch table: function name (exactly as the Python plugin names it, spec/sm-linstor.md
 * §6, plus pause/unpause/refresh of DESIGN.md "On dom0") → loader of its implementation. Loaders import
 * on demand so a call only loads what it runs. Functions not listed yet answer
 * UNKNOWN_XENAPI_PLUGIN_FUNCTION, as XenAPIPlugin does for any unknown name; their issues add them.
 */
export const FUNCTIONS: Readonly<Record<string, () => Promise<PluginFunction>>> = {
  hasControllerRunning: async () => (await import('./services.js')).hasControllerRunning,
  prepareSr: async () => (await import('./sr-services.js')).prepareSr,
  releaseSr: async () => (await import('./sr-services.js')).releaseSr,
  updateDrbdReactor: async () => (await import('./sr-services.js')).updateDrbdReactor,
  getDrbdOpeners: async () => (await import('./drbd.js')).getDrbdOpeners,
  demoteDrbdResource: async () => (await import('./drbd.js')).demoteDrbdResource,
  destroyDrbdVolume: async () => (await import('./drbd.js')).destroyDrbdVolume,
  destroyDrbdVolumes: async () => (await import('./drbd.js')).destroyDrbdVolumes,
  listDrbdVolumes: async () => (await import('./drbd.js')).listDrbdVolumes,
  destroy: async () => (await import('./destroy.js')).destroy,
  lockVdi: async () => (await import('./lock-vdi.js')).lockVdi,
  check: async () => (await import('./vhd-getters.js')).check,
  hasParent: async () => (await import('./vhd-getters.js')).hasParent,
  getSizeVirt: async () => (await import('./vhd-getters.js')).getSizeVirt,
  getSizePhys: async () => (await import('./vhd-getters.js')).getSizePhys,
  getAllocatedSize: async () => (await import('./vhd-getters.js')).getAllocatedSize,
  getMaxResizeSize: async () => (await import('./vhd-getters.js')).getMaxResizeSize,
  getDepth: async () => (await import('./vhd-getters.js')).getDepth,
  getDrbdSize: async () => (await import('./vhd-getters.js')).getDrbdSize,
  getKeyHash: async () => (await import('./vhd-getters.js')).getKeyHashFn,
  getBlockBitmap: async () => (await import('./vhd-getters.js')).getBlockBitmap,
  setParent: async () => (await import('./vhd-setters.js')).setParent,
  setSizeVirt: async () => (await import('./vhd-setters.js')).setSizeVirt,
  setSizeVirtFast: async () => (await import('./vhd-setters.js')).setSizeVirtFast,
  deflate: async () => (await import('./vhd-setters.js')).deflate,
  getVHDInfo: async () => (await import('./vhd-info.js')).getVHDInfo,
  getParent: async () => (await import('./vhd-info.js')).getParent,
  pause: async () => (await import('./tapdisk.js')).pause,
  unpause: async () => (await import('./tapdisk.js')).unpause,
  refresh: async () => (await import('./tapdisk.js')).refresh,
  attach: async () => (await import('./thin.js')).attach,
  detach: async () => (await import('./thin.js')).detach,
  coalesce: async () => (await import('./vhd-maintenance.js')).coalesce,
  repair: async () => (await import('./vhd-maintenance.js')).repair,
  addHost: async () => (await import('./hosts.js')).addHost,
  removeHost: async () => (await import('./hosts.js')).removeHost,
  createSr: async () => (await import('./create-sr.js')).createSr,
  healthCheck: async () => (await import('./health-check.js')).healthCheck,
  createNodeInterface: async () => (await import('./node-interfaces.js')).createNodeInterface,
  destroyNodeInterface: async () => (await import('./node-interfaces.js')).destroyNodeInterface,
  modifyNodeInterface: async () => (await import('./node-interfaces.js')).modifyNodeInterface,
  listNodeInterfaces: async () => (await import('./node-interfaces.js')).listNodeInterfaces,
  getNodePreferredInterface: async () => (await import('./node-interfaces.js')).getNodePreferredInterface,
  setNodePreferredInterface: async () => (await import('./node-interfaces.js')).setNodePreferredInterface,
};
