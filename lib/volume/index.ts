/** Public surface of the volume manager. */
export { ViewCache, type CachedView, type ViewCacheStats } from './cache.js';
export type { DrbdHostOps, VolumeManagerOptions } from './context.js';
export * from './errors.js';
export { DRBD_HA_PROPERTIES, DrbdHaPropertiesError, setDrbdHaProperties } from './drbd-ha.js';
export { groupNameProblem, isGroupName, volumeGroupNameProblem } from './group-name.js';
export { isProvisioning, srProvisioning, type Provisioning } from './provisioning.js';
export * from './kv-layout.js';
export type { CreateVolumeOptions } from './lifecycle.js';
export { SrKvStore, type KvChange } from './kv-store.js';
export { LOCK_EXPIRATION_MS, LOCK_POLL_MS, type LockWaitOptions } from './lock.js';
export * from './naming.js';
export type { PoolStats } from './pool-stats.js';
export { BLOCK_SIZE, kibToBytes, roundDownVolumeSize, roundUpVolumeSize, volumeSizeKib, volumeSizes, type VolumeSizes } from './sizes.js';
export { VolumeManager } from './volume-manager.js';
