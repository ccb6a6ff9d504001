import { ControllerService, type Controller } from './controller.js';
import { LinstorHttp, type LinstorHttpOptions, type LinstorHttpStats } from './http.js';
import { KeyValueStoreService, type KeyValueStores } from './key-value-store.js';
import { NodeService, type Nodes } from './nodes.js';
import { ResourceDefinitionService, type ResourceDefinitions } from './resource-definitions.js';
import { ResourceGroupService, type ResourceGroups } from './resource-groups.js';
import { ResourceService, type Resources } from './resources.js';
import { StoragePoolService, type StoragePools } from './storage-pools.js';
import { VolumeDefinitionService, type VolumeDefinitions } from './volume-definitions.js';

/**
 * Everything the driver, plugin, GC and tools ask LINSTOR, one service per object kind. Code above
 * `lib/linstor` depends on this interface; tests run it against the controller simulator.
 */
export interface LinstorApi {
  readonly controller: Controller;
  readonly nodes: Nodes;
  readonly storagePools: StoragePools;
  readonly resourceGroups: ResourceGroups;
  readonly resourceDefinitions: ResourceDefinitions;
  readonly volumeDefinitions: VolumeDefinitions;
  readonly resources: Resources;
  readonly keyValueStore: KeyValueStores;
  /** The controller origin currently used. */
  readonly origin: string;
  /** Request counters (benchmarks and request budgets). */
  stats(): LinstorHttpStats;
  /** Closes the keep-alive connections; call it once at the end of the process. */
  close(): Promise<void>;
}

/**
 * Builds the REST client over the given controller URIs (`linstor://host` = `http://host:3370`),
 * failing over between them in order. The composition roots (driver, plugin, GC, tools) call this once.
 */
export function createLinstorClient(options: LinstorHttpOptions): LinstorApi {
  const http = new LinstorHttp(options);
  return {
    controller: new ControllerService(http),
    nodes: new NodeService(http),
    storagePools: new StoragePoolService(http),
    resourceGroups: new ResourceGroupService(http),
    resourceDefinitions: new ResourceDefinitionService(http),
    volumeDefinitions: new VolumeDefinitionService(http),
    resources: new ResourceService(http),
    keyValueStore: new KeyValueStoreService(http),
    get origin() {
      return http.origin;
    },
    stats: () => http.stats(),
    close: () => http.close(),
  };
}
