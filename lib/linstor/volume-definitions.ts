import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
import type { VolumeDefinition, VolumeDefinitionCreate, VolumeDefinitionModify } from './resource-types.js';
import { arrayOf, objectOf, rcListOf, seg } from './response.js';

/** Volume definitions of a resource definition; XCP-ng uses volume 0 only. */
export interface VolumeDefinitions {
  list(resource: string): Promise<VolumeDefinition[]>;
  /** One VD; LinstorNotFoundError when the RD or the VD is absent. */
  get(resource: string, volumeNumber: number): Promise<VolumeDefinition>;
  create(resource: string, definition: VolumeDefinitionCreate): Promise<ApiCallRc[]>;
  modify(resource: string, volumeNumber: number, modify: VolumeDefinitionModify): Promise<ApiCallRc[]>;
  /**
   * Grows the volume to `sizeKib`. LINSTOR refuses to shrink (206), answers 974 while a peer is not
   * UpToDate (XCP-ng retries on that), and warns (1023) when the size is unchanged.
   */
  resize(resource: string, volumeNumber: number, sizeKib: number): Promise<ApiCallRc[]>;
  delete(resource: string, volumeNumber: number): Promise<ApiCallRc[]>;
}

/** {@link VolumeDefinitions} over REST. */
export class VolumeDefinitionService implements VolumeDefinitions {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  #base(resource: string): string {
    return `/v1/resource-definitions/${seg(resource)}/volume-definitions`;
  }
  async list(resource: string): Promise<VolumeDefinition[]> {
    return arrayOf<VolumeDefinition>(await this.#http.request('GET', this.#base(resource)), 'volume-definition list');
  }
  async get(resource: string, volumeNumber: number): Promise<VolumeDefinition> {
    const res = await this.#http.request('GET', `${this.#base(resource)}/${seg(volumeNumber)}`);
    return objectOf<VolumeDefinition>(res, 'volume definition');
  }
  async create(resource: string, definition: VolumeDefinitionCreate): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('POST', this.#base(resource), { body: definition }), 'volume-definition create');
  }
  async modify(resource: string, volumeNumber: number, modify: VolumeDefinitionModify): Promise<ApiCallRc[]> {
    const res = await this.#http.request('PUT', `${this.#base(resource)}/${seg(volumeNumber)}`, { body: modify });
    return rcListOf(res, 'volume-definition modify');
  }
  resize(resource: string, volumeNumber: number, sizeKib: number): Promise<ApiCallRc[]> {
    return this.modify(resource, volumeNumber, { size_kib: sizeKib });
  }
  async delete(resource: string, volumeNumber: number): Promise<ApiCallRc[]> {
    const res = await this.#http.request('DELETE', `${this.#base(resource)}/${seg(volumeNumber)}`);
    return rcListOf(res, 'volume-definition delete');
  }
}
