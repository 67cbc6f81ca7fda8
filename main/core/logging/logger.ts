/**
 * The one logger of the core. Everything (our modules and Baileys) logs through it, and every
 * record, at every level, passes through `redactValue` first, so no phone number, JID, QR
 * payload, message text, secret or token leaves the process, debug and trace included. (The
 * hook runs only for enabled levels, so disabled debug logging costs nothing.)
 *
 * The sink is configurable once per process (file in the app, a capture file in tests).
 */
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { redactString, redactValue } from './redact.js';

export type { Logger } from 'pino';

let root: Logger | undefined;
let sink: DestinationStream | undefined;
let rootLevel: LevelWithSilent = (process.env.REPLYLINE_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';

function build(): Logger {
  return pino(
    {
      level: rootLevel,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const safe = (args as unknown[]).map((a) => (typeof a === 'string' ? redactString(a) : redactValue(a)));
          return method.apply(this, safe as Parameters<typeof method>);
        },
      },
      formatters: {
        // Bindings of child loggers (Baileys binds e.g. { class: 'baileys' }) are redacted too.
        bindings: (b) => redactValue(b) as Record<string, unknown>,
      },
    },
    sink ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** Route all logs to `destination` (and optionally set the level). Call before first use. */
export function configureLogging(options: { sink?: DestinationStream; level?: LevelWithSilent }): void {
  if (options.sink) sink = options.sink;
  if (options.level) rootLevel = options.level;
  root = build();
}

/** The root logger, or a child bound to a component name. */
export function getLogger(component?: string): Logger {
  root ??= build();
  return component ? root.child({ component }) : root;
}

/**
 * The first line of every start: which version runs, on what (a bug report needs it first).
 * Call right after `configureLogging`, before anything else logs.
 */
export function logStart(version: string, details: Record<string, unknown> = {}): void {
  getLogger('app').info(
    { version, platform: process.platform, arch: process.arch, node: process.versions.node, pid: process.pid, ...details },
    `Replyline ${version} starting`,
  );
}
