import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
import type { ResourceDefinition, ResourceDefinitionCreate, ResourceDefinitionModify, ResourceDefinitionSyncStatus } from './resource-types.js';
import { arrayOf, objectOf, rcListOf, seg } from './response.js';
import type { Props } from './types.js';

/** Filters of `GET /v1/resource-definitions`. */
export type ResourceDefinitionFilter = {
  readonly resourceDefinitions?: readonly string[];
  readonly props?: readonly string[];
  /** Include `volume_definitions` (the list call only). */
  readonly withVolumeDefinitions?: boolean;
};

/** Resource definitions: one per VDI, named `xcp-volume-<uuid>` (spec/sm-linstor.md §3.1). */
export interface ResourceDefinitions {
  list(filter?: ResourceDefinitionFilter): Promise<ResourceDefinition[]>;
  /** One definition (never with VDs); LinstorNotFoundError when absent. */
  get(name: string): Promise<ResourceDefinition>;
  create(definition: ResourceDefinitionCreate): Promise<ApiCallRc[]>;
  modify(name: string, modify: ResourceDefinitionModify): Promise<ApiCallRc[]>;
  /** Sets (and deletes) properties: a {@link modify} with only `override_props`/`delete_props`. */
  setProps(name: string, props: Props, deleteProps?: readonly string[]): Promise<ApiCallRc[]>;
  /** DRBD peer slots of new resources (XCP-ng sets 3 after spawn). */
  setDrbdPeerSlots(name: string, peerSlots: number): Promise<ApiCallRc[]>;
  /** Whether every replica is in sync (LinstorNotFoundError when the RD is absent). */
  syncStatus(name: string): Promise<ResourceDefinitionSyncStatus>;
  /** Deletes resources, VDs and the RD; a missing RD is a warning. Fails with 997 while in use. */
  delete(name: string): Promise<ApiCallRc[]>;
}

/** {@link ResourceDefinitions} over REST. */
export class ResourceDefinitionService implements ResourceDefinitions {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  async list(filter: ResourceDefinitionFilter = {}): Promise<ResourceDefinition[]> {
    const query = {
      resource_definitions: filter.resourceDefinitions,
      props: filter.props,
      with_volume_definitions: filter.withVolumeDefinitions ? true : undefined,
    };
    return arrayOf<ResourceDefinition>(await this.#http.request('GET', '/v1/resource-definitions', { query }), 'resource-definition list');
  }
  async get(name: string): Promise<ResourceDefinition> {
    return objectOf<ResourceDefinition>(await this.#http.request('GET', `/v1/resource-definitions/${seg(name)}`), 'resource definition');
  }
  async create(definition: ResourceDefinitionCreate): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('POST', '/v1/resource-definitions', { body: definition }), 'resource-definition create');
  }
  async modify(name: string, modify: ResourceDefinitionModify): Promise<ApiCallRc[]> {
    const res = await this.#http.request('PUT', `/v1/resource-definitions/${seg(name)}`, { body: modify });
    return rcListOf(res, 'resource-definition modify');
  }
  setProps(name: string, props: Props, deleteProps?: readonly string[]): Promise<ApiCallRc[]> {
    return this.modify(name, deleteProps ? { override_props: props, delete_props: deleteProps } : { override_props: props });
  }
  setDrbdPeerSlots(name: string, peerSlots: number): Promise<ApiCallRc[]> {
    return this.modify(name, { drbd_peer_slots: peerSlots });
  }
  async syncStatus(name: string): Promise<ResourceDefinitionSyncStatus> {
    const status = objectOf<Partial<ResourceDefinitionSyncStatus>>(await this.#http.request('GET', `/v1/resource-definitions/${seg(name)}/sync-status`), 'sync status');
    // The schema's default is false: anything but true is "not synced yet".
    return { synced_on_all: status.synced_on_all === true };
  }
  async delete(name: string): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('DELETE', `/v1/resource-definitions/${seg(name)}`), 'resource-definition delete');
  }
}
