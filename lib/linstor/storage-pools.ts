import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
import { arrayOf, objectOf, rcListOf, seg } from './response.js';
import type { PropsModify, StoragePool, StoragePoolCreate } from './types.js';

/** Filters of `GET /v1/view/storage-pools`. */
export type StoragePoolViewFilter = {
  readonly nodes?: readonly string[];
  readonly storagePools?: readonly string[];
  readonly props?: readonly string[];
};

/** Storage pools per node; capacity comes from the view (spec/sm-linstor.md §3.7, §3.9). */
export interface StoragePools {
  /** Every pool of every node, filtered (`/v1/view/storage-pools`). */
  view(filter?: StoragePoolViewFilter): Promise<StoragePool[]>;
  /** The pools of one node. */
  listOnNode(node: string): Promise<StoragePool[]>;
  /** One pool of one node; LinstorNotFoundError when absent. */
  get(node: string, pool: string): Promise<StoragePool>;
  /** Creates the pool (and its definition). A missing volume group fails with code 990. */
  create(node: string, pool: StoragePoolCreate): Promise<ApiCallRc[]>;
  modify(node: string, pool: string, modify: PropsModify): Promise<ApiCallRc[]>;
  delete(node: string, pool: string): Promise<ApiCallRc[]>;
}

/** {@link StoragePools} over REST. */
export class StoragePoolService implements StoragePools {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  async view(filter: StoragePoolViewFilter = {}): Promise<StoragePool[]> {
    const query = { nodes: filter.nodes, storage_pools: filter.storagePools, props: filter.props };
    return arrayOf<StoragePool>(await this.#http.request('GET', '/v1/view/storage-pools', { query }), 'storage-pool view');
  }
  async listOnNode(node: string): Promise<StoragePool[]> {
    return arrayOf<StoragePool>(await this.#http.request('GET', `/v1/nodes/${seg(node)}/storage-pools`), 'storage-pool list');
  }
  async get(node: string, pool: string): Promise<StoragePool> {
    const res = await this.#http.request('GET', `/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`);
    return objectOf<StoragePool>(res, 'storage pool');
  }
  async create(node: string, pool: StoragePoolCreate): Promise<ApiCallRc[]> {
    const res = await this.#http.request('POST', `/v1/nodes/${seg(node)}/storage-pools`, { body: pool });
    return rcListOf(res, 'storage-pool create');
  }
  async modify(node: string, pool: string, modify: PropsModify): Promise<ApiCallRc[]> {
    const res = await this.#http.request('PUT', `/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`, { body: modify });
    return rcListOf(res, 'storage-pool modify');
  }
  async delete(node: string, pool: string): Promise<ApiCallRc[]> {
    const res = await this.#http.request('DELETE', `/v1/nodes/${seg(node)}/storage-pools/${seg(pool)}`);
    return rcListOf(res, 'storage-pool delete');
  }
}
