/** Public surface of the LINSTOR REST client. */
export { createLinstorClient, type LinstorApi } from './client.js';
export type { Controller } from './controller.js';
export * from './errors.js';
export { LinstorHttp, type LinstorHttpOptions, type LinstorHttpStats, type LinstorResponse, type RequestOptions } from './http.js';
export { parseLinstorJson, stringifyLinstorJson, isApiCallRcList, type ApiCallRc } from './json.js';
export type { KeyValueStores } from './key-value-store.js';
export type { Nodes } from './nodes.js';
export type { ResourceDefinitions, ResourceDefinitionFilter } from './resource-definitions.js';
export type { ResourceGroups } from './resource-groups.js';
export type * from './resource-types.js';
export { drbdUsableSizeKib } from './resource-types.js';
export type { Resources } from './resources.js';
export * from './ret-codes.js';
export type { StoragePools, StoragePoolViewFilter } from './storage-pools.js';
export type * from './types.js';
export * from './version-mismatch.js';
export { controllerOrigin, LinstorUriError, LINSTOR_HTTP_PORT, LINSTOR_HTTPS_PORT } from './uri.js';
export type { VolumeDefinitions } from './volume-definitions.js';
