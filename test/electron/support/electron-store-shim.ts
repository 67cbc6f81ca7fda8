/**
 * electron-store for specs. The real package is an external dependency, so Vitest loads it
 * natively and its own `import electron from 'electron'` would bypass the fake and reach the real
 * `electron` package (which tries to download the binary). This shim does what electron-store
 * does on top of `conf` (the library that holds the schema, migration and atomic-write logic):
 * `name` becomes the config name, the project version is the app version, `cwd` defaults to the
 * user data folder. Install with:
 *
 *     vi.mock('electron-store', () => import('./support/electron-store-shim.js'));
 */
import Conf, { type Options } from 'conf';
import { app } from './fake-electron.js';

export default class ElectronStoreShim<T extends Record<string, unknown>> extends Conf<T> {
  constructor(options: Omit<Options<T>, 'configName' | 'projectName' | 'projectVersion'> & { name?: string } = {}) {
    const { name = 'config', ...rest } = options;
    super({ ...rest, configName: name, projectVersion: app.getVersion(), cwd: rest.cwd ?? app.getPath('userData') });
  }
}
