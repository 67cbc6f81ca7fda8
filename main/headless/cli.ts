/**
 * `npm run headless -- [flags]`: the Replyline core in plain Node, without Electron. Prints the
 * QR in the terminal and serves the same window on 127.0.0.1 behind a random token.
 *
 * Flags (an interface scripts rely on):
 *   --data-dir DIR   data folder (default: the per-user folder the desktop app uses)
 *   --port N         port for the UI and API (default 0: any free port)
 *   --json           one JSON object per line on stdout; the first carries the URL and token
 *   --wa-url URL     tests only: WhatsApp WebSocket URL (loopback addresses only)
 *   --noise-ca HEX   tests only: the fake server's CA public key
 *   --renderer-dir DIR  serve the window from DIR instead of the built dist/renderer
 *   --max-replies-per-minute N  load tests only: a fixed global rate limit that replaces the
 *                    one in Settings for this run (1..10000)
 *   --secrets-file PATH  API keys and webhook secrets as a JSON object {"name": "value"}; refused
 *                    unless only its owner can read it (chmod 600)
 *   --key-file PATH  encrypt the session and personal data with a key derived from this private
 *                    file (or REPLYLINE_KEY_FILE=PATH); without it they are stored unencrypted
 *   --version        print the version and exit
 * Secrets also come from environment variables REPLYLINE_SECRET_<NAME> (the name in upper case,
 * other characters as `_`); they win over the file, which wins over a value entered in the window
 * (stored only with a key file).
 * Logs go to DATA_DIR/logs/replyline.N.log (rotated, info level) and, from warn up, to stderr;
 * REPLYLINE_LOG_LEVEL sets both. SIGINT / SIGTERM flush the stores and exit 0.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type LevelWithSilent } from 'pino';
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { dataPaths, defaultDataDir } from '../core/app/paths.js';
import { APP_VERSION } from '../core/app/version.js';
import { DeferredLogFile } from '../core/logging/log-file.js';
import { createCoreService, type Core, type StartingCore } from '../core/app/create-core.js';
import type { CoreService } from '../core/app/core-service.js';
import { deferred } from '../core/util/deferred.js';
import { describeState, type ConnectionState, type EventPayloads } from '../contract/api.js';
import { configureLogging, getLogger, logStart } from '../core/logging/logger.js';
import { quietLibraryConsole } from '../core/logging/library-console.js';
import { EVENT_NAMES } from '../contract/api.js';
import { startHeadlessServer } from './http-server.js';
import { KeyFileError, keyFileWrapper } from './key-file.js';
import { envSecretSource, fileSecretSource, type SecretSource } from '../core/secrets/index.js';

/**
 * What the window says when headless mode was started without a key file, so the keys and secrets
 * entered there could not be encrypted: the two ways to give it one. With a key file the window
 * stores them like the desktop app, and this is not shown.
 */
export const HEADLESS_SECRETS_NOTE =
  'To enter keys and secrets here, start headless mode with --key-file PATH (or REPLYLINE_KEY_FILE=PATH): they are then kept encrypted with that key. ' +
  'Or give them to it at start: REPLYLINE_SECRET_<NAME> in its environment, or --secrets-file PATH.';

export interface HeadlessArgs {
  dataDir: string;
  port: number;
  json: boolean;
  waUrl?: string;
  noiseCa?: string;
  rendererDir?: string;
  maxRepliesPerMinute?: number;
  /** The private key file that wraps the data key (`--key-file`, or REPLYLINE_KEY_FILE). */
  keyFile?: string;
  secretsFile?: string;
}

export class UsageError extends Error {}

export function parseHeadlessArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): HeadlessArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      json: { type: 'boolean', default: false },
      'wa-url': { type: 'string' },
      'noise-ca': { type: 'string' },
      'renderer-dir': { type: 'string' },
      'max-replies-per-minute': { type: 'string' },
      'key-file': { type: 'string' },
      'secrets-file': { type: 'string' },
    },
  });
  // Digits only: Number() would read '' as 0 and '1e3' or '0x50' as ports.
  const port = values.port === undefined ? 0 : /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be 0..65535');
  const rate = values['max-replies-per-minute'];
  const maxRepliesPerMinute = rate === undefined ? undefined : /^\d{1,5}$/.test(rate) ? Number(rate) : NaN;
  if (maxRepliesPerMinute !== undefined && !(maxRepliesPerMinute >= 1 && maxRepliesPerMinute <= 10_000)) {
    throw new UsageError('--max-replies-per-minute must be 1..10000');
  }
  const waUrl = values['wa-url'];
  if (waUrl !== undefined && !isLoopbackWsUrl(waUrl)) {
    throw new UsageError('--wa-url is for tests only and must point at a loopback address');
  }
  const noiseCa = values['noise-ca'];
  if (noiseCa !== undefined) {
    if (waUrl === undefined) throw new UsageError('--noise-ca needs --wa-url');
    if (!/^[0-9a-fA-F]{64}$/.test(noiseCa)) throw new UsageError('--noise-ca must be 32 bytes in hex');
  }
  return {
    dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()),
    port,
    json: values.json ?? false,
    waUrl,
    noiseCa,
    rendererDir: values['renderer-dir'] === undefined ? undefined : path.resolve(values['renderer-dir']),
    maxRepliesPerMinute,
    keyFile: keyFileOf(values['key-file'], env),
    secretsFile: values['secrets-file'] === undefined ? undefined : path.resolve(values['secrets-file']),
  };
}

function keyFileOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const chosen = flag ?? (env.REPLYLINE_KEY_FILE || undefined);
  return chosen === undefined ? undefined : path.resolve(chosen);
}

/**
 * A data folder whose keys are sealed (by a key file, or by the desktop app's keychain) cannot be
 * opened without that key, and opening it anyway would set the session aside: refuse instead.
 */
function refuseSealedFolderWithoutKey(dataDir: string): void {
  const sealed = [path.join(dataDir, 'data.key'), path.join(dataPaths(dataDir).session, 'session.key')].some((f) => existsSync(f));
  if (sealed) {
    throw new KeyFileError(
      'This data folder is encrypted (with a key file, or by the desktop app with the system keychain). Start headless mode with --key-file PATH, the key file it was encrypted with.',
    );
  }
}

function isLoopbackWsUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

export async function runHeadless(args: HeadlessArgs): Promise<{ stop: () => Promise<void> }> {
  const out = (obj: Record<string, unknown>) => process.stdout.write(JSON.stringify(obj) + '\n');
  // Before anything touches the data folder: a bad key file, or a sealed folder without one, stops here.
  const keyWrapper = args.keyFile ? await keyFileWrapper(args.keyFile) : undefined;
  if (!keyWrapper) refuseSealedFolderWithoutKey(args.dataDir);
  // Read (and its permissions checked) before anything opens: a bad secrets file stops the start.
  const secretSources: SecretSource[] = [envSecretSource(process.env)];
  if (args.secretsFile) secretSources.push(await fileSecretSource(args.secretsFile));
  // Opened once there is a QR or a link to show (below): its library would delay the first QR.
  const logFile = new DeferredLogFile(dataPaths(args.dataDir).logs);
  const chosen = process.env.REPLYLINE_LOG_LEVEL as LevelWithSilent | undefined;
  const fileLevel = chosen ?? 'info';
  const stderrLevel = chosen ?? 'warn';
  configureLogging({
    sink: pino.multistream([
      { level: fileLevel, stream: logFile },
      { level: stderrLevel, stream: pino.destination({ fd: 2, sync: false }) },
    ]),
    level: fileLevel,
  });
  logStart(APP_VERSION, { mode: 'headless' });
  if (args.noiseCa) WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(args.noiseCa, 'hex');

  // Connects by itself: while it opens its stores when not linked yet (the QR comes sooner), at
  // the end when linked. The HTTP server starts meanwhile (its commands wait for the core), and
  // the lines are printed from the starting core's events as soon as both are up.
  const connecting = deferred<StartingCore>();
  const opening = createCoreService({
    dataDir: args.dataDir,
    keyWrapper,
    secretSources,
    secretsUnavailableNote: HEADLESS_SECRETS_NOTE,
    socketConfig: args.waUrl ? { waWebSocketUrl: args.waUrl } : undefined,
    rateLimits: args.maxRepliesPerMinute ? { global: { max: args.maxRepliesPerMinute, windowMs: 60_000 } } : undefined,
    onConnecting: (starting) => connecting.resolve(starting),
  });
  const token = randomBytes(24).toString('base64url');
  const staticDir = args.rendererDir ?? path.join(repoRoot(path.dirname(fileURLToPath(import.meta.url))), 'dist', 'renderer');
  const serverStarting = startHeadlessServer({ core: whileOpening(connecting.promise, opening), token, staticDir, port: args.port });
  // The starting core comes before the core resolves; a core that fails before that rejects here.
  const [server, starting] = await Promise.all([
    serverStarting.catch(async (err: unknown) => {
      await opening.then((core) => core.close()).catch(() => undefined);
      throw err;
    }),
    Promise.race([connecting.promise, opening.then(() => connecting.promise)]).catch(async (err: unknown) => {
      await serverStarting.then((s) => s.close()).catch(() => undefined);
      throw err;
    }),
  ]);
  const uiUrl = `${server.url}#token=${token}`;

  if (args.json) {
    out({ type: 'ready', url: uiUrl, apiBase: `${server.url}api`, token, dataDir: args.dataDir, pid: process.pid });
  } else {
    process.stdout.write(`Replyline (headless)\n  window: ${uiUrl}\n  data:   ${args.dataDir}\n\n`);
  }
  printLines(starting, args.json, out);
  openLogWhenShown(starting, logFile);
  let core: Core;
  try {
    core = await opening;
  } catch (err) {
    await server.close().catch(() => undefined);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await server.close();
      await core.close();
      await logFile.flush().catch((err: unknown) => process.stderr.write(`replyline headless: the log file could not be written (${(err as Error).message})\n`));
    })());
  return { stop };
}

/**
 * The connection's state now, then what happens: with --json the state and every event after it
 * as one line each (and a `qr` line with each QR); otherwise the state as a line of text, or the
 * QR drawn in the terminal.
 */
function printLines(starting: StartingCore, json: boolean, out: (obj: Record<string, unknown>) => void): void {
  if (json) {
    const first = starting.state();
    out({ type: 'state', payload: first });
    if (first.state.kind === 'awaiting-qr') out({ type: 'qr', qr: first.state.qr });
    for (const event of EVENT_NAMES) {
      starting.on(event, (payload) => {
        if (event === 'state') {
          const { state } = payload as EventPayloads['state'];
          if (state.kind === 'awaiting-qr') out({ type: 'qr', qr: state.qr });
        }
        out({ type: event, payload });
      });
    }
    return;
  }
  const show = (state: ConnectionState) => {
    if (state.kind === 'awaiting-qr') {
      // Loaded on first use: --json never needs it.
      void import('qrcode')
        .then((QRCode) => QRCode.toString(state.qr, { type: 'terminal', small: true }))
        .then((qr) => process.stdout.write(`\nScan this with WhatsApp → Linked devices:\n${qr}\n`));
    } else {
      process.stdout.write(`[${new Date().toLocaleTimeString()}] ${describeState(state)}\n`);
    }
  };
  starting.on('state', ({ state }) => show(state));
  show(starting.state().state);
}

/**
 * The core as the HTTP server sees it while the core still opens: a command waits until it is
 * open; a listener is attached as soon as the core emits (`onConnecting`).
 */
function whileOpening(starting: Promise<StartingCore>, opening: Promise<Core>): Pick<CoreService, 'handle' | 'on'> {
  return {
    handle: async (command, args) => (await opening).handle(command, args),
    on: (event, listener) => {
      let off: (() => void) | undefined;
      let removed = false;
      starting.then(
        (core) => {
          if (!removed) off = core.on(event, listener);
        },
        () => undefined,
      );
      return () => {
        removed = true;
        off?.();
      };
    },
  };
}

/**
 * Open the log file once the person has something to look at (a QR, the link, or why it cannot
 * connect), or after 2 s, whichever comes first. Lines logged until then are written first.
 */
function openLogWhenShown(starting: StartingCore, logFile: DeferredLogFile): void {
  const waiting = (kind: string) => kind === 'idle' || kind === 'connecting';
  let opened = false;
  const open = () => {
    if (opened) return;
    opened = true;
    off();
    clearTimeout(timer);
    logFile.open().catch((err: unknown) => process.stderr.write(`replyline headless: the log file could not be opened (${(err as Error).message})\n`));
  };
  const off = starting.on('state', ({ state }) => {
    if (!waiting(state.kind)) open();
  });
  const timer = setTimeout(open, 2_000);
  if (!waiting(starting.state().state.kind)) open();
}

/** The repository (or install) root: the nearest folder up with a package.json, from the source or the bundle. */
function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '../..');
  }
}

async function main(): Promise<void> {
  if (process.argv.slice(2).includes('--version')) {
    process.stdout.write(`${APP_VERSION}\n`);
    return;
  }
  let args: HeadlessArgs;
  try {
    args = parseHeadlessArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`replyline headless: ${(err as Error).message}\n`);
    process.exit(2);
  }
  quietLibraryConsole();
  // Listen before starting: a signal while the stores open waits for them and then shuts down
  // cleanly, instead of killing the process halfway (a second signal still ends it at once).
  const running: { stop?: () => Promise<void> } = {};
  let signalled = false;
  const shutDown = () => {
    running.stop!().then(
      () => process.exit(0),
      (err: unknown) => {
        getLogger('headless').error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = () => {
    signalled = true;
    if (running.stop) shutDown();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  running.stop = (await runHeadless(args)).stop;
  if (signalled) shutDown();
}

/** Run as the headless command (the bundle's launcher, scripts/headless.mjs, calls this). */
export function runCli(): void {
  main().catch((err: unknown) => {
    // Typed core errors (a locked session folder, say) carry words meant for the person.
    const { userMessage, message } = err as { userMessage?: unknown; message?: unknown };
    process.stderr.write(`replyline headless: ${typeof userMessage === 'string' ? userMessage : String(message)}\n`);
    process.exit(1);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) runCli();
