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
  /**
   * Has the controller write a backup of its database, `<name>.zip` in its `/var/lib/linstor`
   * (`controllerBackupDB`, controller ≥ 1.13.0), as sm's `database_backup` does.
   */
  backupDatabase(name: string): Promise<void>;
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
  async backupDatabase(name: string): Promise<void> {
    await this.#http.request('POST', '/v1/controller/backup/db', { body: { backup_name: name } });
  }
}
