/**
 * The one logger of the core. Everything (our modules and Baileys) logs through it, and every
 * record at info level or above passes through `redactValue` first, so no phone number, JID,
 * QR payload or message text leaves the process above debug.
 *
 * The sink is configurable once per process (file in the app, a capture file in tests).
 */
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { redactString, redactValue } from './redact.js';

export type { Logger } from 'pino';

const INFO = 30;

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
        logMethod(args, method, level) {
          if (level < INFO) return method.apply(this, args);
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
