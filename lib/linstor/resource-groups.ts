import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
import { arrayOf, objectOf, rcListOf, seg } from './response.js';
import type { MaxVolumeSizes, Props, ResourceGroup, ResourceGroupCreate, ResourceGroupModify, ResourceGroupSpawn } from './types.js';

/** Resource groups, their volume groups, spawn and size queries (spec/sm-linstor.md §3.4, §3.9). */
export interface ResourceGroups {
  list(filter?: { readonly resourceGroups?: readonly string[] }): Promise<ResourceGroup[]>;
  /** One group; LinstorNotFoundError when absent. */
  get(name: string): Promise<ResourceGroup>;
  create(group: ResourceGroupCreate): Promise<ApiCallRc[]>;
  modify(name: string, modify: ResourceGroupModify): Promise<ApiCallRc[]>;
  /** Fails while resource definitions still use the group. */
  delete(name: string): Promise<ApiCallRc[]>;
  createVolumeGroup(name: string, volumeGroup?: { readonly volume_number?: number; readonly props?: Props }): Promise<ApiCallRc[]>;
  /** Creates an RD and its VDs from the group, placing them unless `definitions_only`. */
  spawn(name: string, spawn: ResourceGroupSpawn): Promise<ApiCallRc[]>;
  /** What the group's pools can still hold, per pool name (deprecated upstream, used by XCP-ng). */
  queryMaxVolumeSize(name: string): Promise<MaxVolumeSizes>;
}

/** {@link ResourceGroups} over REST. */
export class ResourceGroupService implements ResourceGroups {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  async list(filter: { readonly resourceGroups?: readonly string[] } = {}): Promise<ResourceGroup[]> {
    const res = await this.#http.request('GET', '/v1/resource-groups', { query: { resource_groups: filter.resourceGroups } });
    return arrayOf<ResourceGroup>(res, 'resource-group list');
  }
  async get(name: string): Promise<ResourceGroup> {
    return objectOf<ResourceGroup>(await this.#http.request('GET', `/v1/resource-groups/${seg(name)}`), 'resource group');
  }
  async create(group: ResourceGroupCreate): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('POST', '/v1/resource-groups', { body: group }), 'resource-group create');
  }
  async modify(name: string, modify: ResourceGroupModify): Promise<ApiCallRc[]> {
    const res = await this.#http.request('PUT', `/v1/resource-groups/${seg(name)}`, { body: modify });
    return rcListOf(res, 'resource-group modify');
  }
  async delete(name: string): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('DELETE', `/v1/resource-groups/${seg(name)}`), 'resource-group delete');
  }
  async createVolumeGroup(name: string, volumeGroup: { readonly volume_number?: number; readonly props?: Props } = {}): Promise<ApiCallRc[]> {
    const res = await this.#http.request('POST', `/v1/resource-groups/${seg(name)}/volume-groups`, { body: volumeGroup });
    return rcListOf(res, 'volume-group create');
  }
  async spawn(name: string, spawn: ResourceGroupSpawn): Promise<ApiCallRc[]> {
    const res = await this.#http.request('POST', `/v1/resource-groups/${seg(name)}/spawn`, { body: spawn });
    return rcListOf(res, 'spawn');
  }
  async queryMaxVolumeSize(name: string): Promise<MaxVolumeSizes> {
    const res = await this.#http.request('GET', `/v1/resource-groups/${seg(name)}/query-max-volume-size`);
    return objectOf<MaxVolumeSizes>(res, 'query-max-volume-size');
  }
}
