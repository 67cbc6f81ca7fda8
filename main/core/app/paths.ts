/**
 * Where Replyline keeps its files. The default is the same per-user folder Electron uses for
 * `app.getPath('userData')`, so the desktop app and headless mode share one data folder (and its
 * session lock stops both from running the same session at once).
 */
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Replyline';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', APP_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
  }
}

/** The layout inside a data folder. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    session: path.join(dataDir, 'session'),
    history: path.join(dataDir, 'history.log'),
    outbox: path.join(dataDir, 'outbox'),
    inbound: path.join(dataDir, 'inbound'),
    replyLog: path.join(dataDir, 'reply-log'),
    settings: path.join(dataDir, 'settings.json'),
    rules: path.join(dataDir, 'rules.json'),
    logs: path.join(dataDir, 'logs'),
  };
}
