import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
import { arrayOf, objectOf, rcListOf, seg } from './response.js';
import type { NetInterface, Node, NodeCreate, NodeModify } from './types.js';

/** Nodes and their network interfaces (spec/sm-linstor.md §3.9, §3.10). */
export interface Nodes {
  /** All nodes, optionally filtered by name or property (`KEY` or `KEY=VALUE`). */
  list(filter?: { readonly nodes?: readonly string[]; readonly props?: readonly string[] }): Promise<Node[]>;
  /** One node; LinstorNotFoundError when absent. */
  get(name: string): Promise<Node>;
  create(node: NodeCreate): Promise<ApiCallRc[]>;
  modify(name: string, modify: NodeModify): Promise<ApiCallRc[]>;
  /** Deletes the node and its resources; a missing node is a warning, not an error. */
  delete(name: string): Promise<ApiCallRc[]>;
  listNetInterfaces(node: string): Promise<NetInterface[]>;
  createNetInterface(node: string, netIf: NetInterface): Promise<ApiCallRc[]>;
  modifyNetInterface(node: string, name: string, netIf: NetInterface): Promise<ApiCallRc[]>;
  deleteNetInterface(node: string, name: string): Promise<ApiCallRc[]>;
}

/** {@link Nodes} over REST. */
export class NodeService implements Nodes {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  async list(filter: { readonly nodes?: readonly string[]; readonly props?: readonly string[] } = {}): Promise<Node[]> {
    const res = await this.#http.request('GET', '/v1/nodes', { query: { nodes: filter.nodes, props: filter.props } });
    return arrayOf<Node>(res, 'node list');
  }
  async get(name: string): Promise<Node> {
    return objectOf<Node>(await this.#http.request('GET', `/v1/nodes/${seg(name)}`), 'node');
  }
  async create(node: NodeCreate): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('POST', '/v1/nodes', { body: node }), 'node create');
  }
  async modify(name: string, modify: NodeModify): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('PUT', `/v1/nodes/${seg(name)}`, { body: modify }), 'node modify');
  }
  async delete(name: string): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('DELETE', `/v1/nodes/${seg(name)}`), 'node delete');
  }
  async listNetInterfaces(node: string): Promise<NetInterface[]> {
    return arrayOf<NetInterface>(await this.#http.request('GET', `/v1/nodes/${seg(node)}/net-interfaces`), 'net-interface list');
  }
  async createNetInterface(node: string, netIf: NetInterface): Promise<ApiCallRc[]> {
    const res = await this.#http.request('POST', `/v1/nodes/${seg(node)}/net-interfaces`, { body: netIf });
    return rcListOf(res, 'net-interface create');
  }
  async modifyNetInterface(node: string, name: string, netIf: NetInterface): Promise<ApiCallRc[]> {
    const res = await this.#http.request('PUT', `/v1/nodes/${seg(node)}/net-interfaces/${seg(name)}`, { body: netIf });
    return rcListOf(res, 'net-interface modify');
  }
  async deleteNetInterface(node: string, name: string): Promise<ApiCallRc[]> {
    const res = await this.#http.request('DELETE', `/v1/nodes/${seg(node)}/net-interfaces/${seg(name)}`);
    return rcListOf(res, 'net-interface delete');
  }
}
