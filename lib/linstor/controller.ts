import type { LinstorHttp } from './http.js';
import { LinstorResponseError } from './errors.js';
import { objectOf } from './response.js';
import type { ControllerVersion } from './types.js';

/** The controller itself. */
export interface Controller {
  /**
   * The controller's version; throws LinstorResponseError unless `rest_api_version` is 1.x ≥ 1.0.4,
   * the check the Python client makes on connect.
   */
  version(): Promise<ControllerVersion>;
}

/** {@link Controller} over REST. */
export class ControllerService implements Controller {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  async version(): Promise<ControllerVersion> {
    const res = await this.#http.request('GET', '/v1/controller/version');
    const version = objectOf<ControllerVersion>(res, 'controller version');
    const [major = NaN, minor = NaN, patch = NaN] = String(version.rest_api_version).split('.').map(Number);
    if (major !== 1 || minor * 1000 + patch < 4) {
      throw new LinstorResponseError(`unsupported REST API version ${version.rest_api_version}`, res.target, res.status, '');
    }
    return version;
  }
}
