import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
import type {
  AutoPlaceRequest,
  MakeAvailableRequest,
  Resource,
  ResourceCreate,
  ResourceViewFilter,
  ResourceWithVolumes,
} from './resource-types.js';
import { arrayOf, objectOf, rcListOf, seg } from './response.js';
import type { PropsModify } from './types.js';

/** Resources (a resource definition deployed on a node), placement and the resource view. */
export interface Resources {
  /** Resources with volumes and states, filtered (`/v1/view/resources`, what the driver reads). */
  view(filter?: ResourceViewFilter): Promise<ResourceWithVolumes[]>;
  /** The resources of one definition, without volumes. */
  list(resource: string): Promise<Resource[]>;
  /** One resource; LinstorNotFoundError when absent. */
  get(resource: string, node: string): Promise<Resource>;
  /** Creates resources on several nodes in one call (diskful, or `flags: ["DISKLESS"]`). */
  create(resource: string, resources: readonly ResourceCreate[]): Promise<ApiCallRc[]>;
  /** Creates the resource on one node; an existing one is an info (10008), not an error. */
  createOn(resource: string, node: string, create?: ResourceCreate): Promise<ApiCallRc[]>;
  modify(resource: string, node: string, modify: PropsModify): Promise<ApiCallRc[]>;
  /** Deletes one resource; 997 while in use, a warning when absent. */
  delete(resource: string, node: string): Promise<ApiCallRc[]>;
  /** Deletes the resource on each node in turn; stops at the first error. */
  deleteOn(resource: string, nodes: readonly string[]): Promise<ApiCallRc[]>;
  /** Places the definition with the autoplacer (996 when too few nodes qualify, 1006 when already placed). */
  autoplace(resource: string, request?: AutoPlaceRequest): Promise<ApiCallRc[]>;
  /** Makes the device available on `node`: diskless unless `diskful`; ret_code 0 when already there. */
  makeAvailable(resource: string, node: string, request?: MakeAvailableRequest): Promise<ApiCallRc[]>;
}

/** {@link Resources} over REST. */
export class ResourceService implements Resources {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  #base(resource: string): string {
    return `/v1/resource-definitions/${seg(resource)}`;
  }
  async view(filter: ResourceViewFilter = {}): Promise<ResourceWithVolumes[]> {
    const query = { nodes: filter.nodes, resources: filter.resources, storage_pools: filter.storagePools, props: filter.props };
    return arrayOf<ResourceWithVolumes>(await this.#http.request('GET', '/v1/view/resources', { query }), 'resource view');
  }
  async list(resource: string): Promise<Resource[]> {
    return arrayOf<Resource>(await this.#http.request('GET', `${this.#base(resource)}/resources`), 'resource list');
  }
  async get(resource: string, node: string): Promise<Resource> {
    return objectOf<Resource>(await this.#http.request('GET', `${this.#base(resource)}/resources/${seg(node)}`), 'resource');
  }
  async create(resource: string, resources: readonly ResourceCreate[]): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('POST', `${this.#base(resource)}/resources`, { body: resources }), 'resource create');
  }
  async createOn(resource: string, node: string, create: ResourceCreate = { resource: {} }): Promise<ApiCallRc[]> {
    const res = await this.#http.request('POST', `${this.#base(resource)}/resources/${seg(node)}`, { body: create });
    return rcListOf(res, 'resource create');
  }
  async modify(resource: string, node: string, modify: PropsModify): Promise<ApiCallRc[]> {
    const res = await this.#http.request('PUT', `${this.#base(resource)}/resources/${seg(node)}`, { body: modify });
    return rcListOf(res, 'resource modify');
  }
  async delete(resource: string, node: string): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('DELETE', `${this.#base(resource)}/resources/${seg(node)}`), 'resource delete');
  }
  async deleteOn(resource: string, nodes: readonly string[]): Promise<ApiCallRc[]> {
    const all: ApiCallRc[] = [];
    for (const node of nodes) all.push(...(await this.delete(resource, node)));
    return all;
  }
  async autoplace(resource: string, request: AutoPlaceRequest = {}): Promise<ApiCallRc[]> {
    // The spec makes select_filter required; `{}` means "the group's filter".
    const body = { ...request, select_filter: request.select_filter ?? {} };
    return rcListOf(await this.#http.request('POST', `${this.#base(resource)}/autoplace`, { body }), 'autoplace');
  }
  async makeAvailable(resource: string, node: string, request: MakeAvailableRequest = { diskful: false }): Promise<ApiCallRc[]> {
    const res = await this.#http.request('POST', `${this.#base(resource)}/resources/${seg(node)}/make-available`, { body: request });
    return rcListOf(res, 'make-available');
  }
}
