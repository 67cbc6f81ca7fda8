/**
 * The app's version: package.json's, the one source. The desktop shell passes Electron's
 * `app.getVersion()` (which reads the same file); headless mode and the core's default use this.
 * A JSON import, so bundlers inline it and no path has to be found at run time.
 */
import pkg from '../../../package.json' with { type: 'json' };

export const APP_VERSION: string = pkg.version;
