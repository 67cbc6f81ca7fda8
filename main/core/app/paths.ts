/**
 * Where Replyline keeps its files. The per-user folder is the one Electron uses for
 * `app.getPath('userData')`; the core's files live in its `data/` subfolder, so the desktop app
 * and headless mode share one session, outbox and reply log (and the session lock stops both
 * from running the same session at once).
 */
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Replyline';

/** The per-user folder Electron would use for this app. */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
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

/** The core's default data folder: `data/` in the per-user folder (as in the desktop app). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  return path.join(defaultUserDataDir(env, platform), 'data');
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
    activity: path.join(dataDir, 'activity'),
    conversation: path.join(dataDir, 'conversation'),
    chatMemory: path.join(dataDir, 'chat-memory'),
    settings: path.join(dataDir, 'settings.json'),
    rules: path.join(dataDir, 'rules.json'),
    logs: path.join(dataDir, 'logs'),
  };
}
