/** Every LINSTOR route the simulator serves, in matching order (one list per object kind). */
import type { SimRoute } from './context.js';
import { controllerRoutes } from './handlers/controller.js';
import { databaseBackupRoutes } from './handlers/database-backup.js';
import { keyValueStoreRoutes } from './handlers/key-value-store.js';
import { nodeRoutes } from './handlers/nodes.js';
import { resourceDefinitionRoutes } from './handlers/resource-definitions.js';
import { resourceGroupRoutes } from './handlers/resource-groups.js';
import { resourceRoutes } from './handlers/resources.js';
import { storagePoolRoutes } from './handlers/storage-pools.js';
import { volumeDefinitionRoutes } from './handlers/volume-definitions.js';

/** Used by the simulator's router and by the contract test that checks each route is in the spec. */
export const LINSTOR_ROUTES: readonly SimRoute[] = [
  ...controllerRoutes,
  ...databaseBackupRoutes,
  ...nodeRoutes,
  ...storagePoolRoutes,
  ...resourceGroupRoutes,
  ...resourceDefinitionRoutes,
  ...volumeDefinitionRoutes,
  ...resourceRoutes,
  ...keyValueStoreRoutes,
];
