/**
 * Test-side helpers for driving the real Baileys client against a FakeWaServer: an in-memory auth
 * state, and `connectClient`, which makes a socket with quiet, test-friendly settings and collects
 * what it emits (QRs, connection updates, upserts, the close code).
 */
import makeWASocket, {
  initAuthCreds,
  type AuthenticationCreds,
  type AuthenticationState,
  type ConnectionState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
  type UserFacingSocketConfig,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys';
import pino from 'pino';

export interface MemoryAuth {
  state: AuthenticationState;
  creds: AuthenticationCreds;
  /** Raw key store contents, `type:id` → value. */
  data: Map<string, unknown>;
}

/**
 * Fresh creds (with `accountSyncCounter = 1`, which skips Baileys' 20 s initial-sync buffering)
 * and an in-memory SignalKeyStore. Baileys mutates `creds` in place on `creds.update`, so reusing
 * the same object for the next socket is "saved creds".
 */
export function createMemoryAuth(): MemoryAuth {
  const creds = initAuthCreds();
  creds.accountSyncCounter = 1;
  const data = new Map<string, unknown>();
  const keys: SignalKeyStore = {
    get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        const value = data.get(`${type}:${id}`);
        if (value !== undefined && value !== null) out[id] = value as SignalDataTypeMap[T];
      }
      return out;
    },
    set(set: SignalDataSet) {
      for (const [type, entries] of Object.entries(set)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) data.delete(`${type}:${id}`);
          else data.set(`${type}:${id}`, value);
        }
      }
    },
  };
  return { state: { creds, keys }, creds, data };
}

export interface CloseInfo {
  statusCode: number | undefined;
  message: string;
  at: number;
}

export interface TestClient {
  sock: WASocket;
  startedAt: number;
  qrs: string[];
  updates: Partial<ConnectionState>[];
  /** Every messages.upsert entry, flattened. */
  upserts: { type: string; message: WAMessage }[];
  /** Resolves on `connection: 'open'` with its time; rejects if the socket closes first. */
  opened: Promise<number>;
  /** Resolves when the socket closes. */
  closed: Promise<CloseInfo>;
  /** Resolves with the next QR (or the latest, if one is already shown and not yet taken). */
  nextQr(timeoutMs?: number): Promise<string>;
  /** Ends the socket (no-op if already closed). */
  end(): void;
}

const silentLogger = pino({ level: 'silent' });

/**
 * Connects the real Baileys client to `url` with test defaults: silent logger, no online marking,
 * 1 s keep-alive unless given, history sync off. Any `config` field overrides.
 */
export function connectClient(
  url: string,
  auth: MemoryAuth,
  config: Partial<UserFacingSocketConfig> = {},
): TestClient {
  const startedAt = Date.now();
  const sock = makeWASocket({
    waWebSocketUrl: url,
    auth: auth.state,
    logger: silentLogger,
    printQRInTerminal: false,
    markOnlineOnConnect: false,
    shouldSyncHistoryMessage: () => false,
    fireInitQueries: true,
    connectTimeoutMs: 5_000,
    defaultQueryTimeoutMs: 5_000,
    keepAliveIntervalMs: 10_000,
    ...config,
  });
  const qrs: string[] = [];
  const updates: Partial<ConnectionState>[] = [];
  const upserts: TestClient['upserts'] = [];
  let qrWaiter: ((qr: string) => void) | undefined;
  let untakenQr: string | undefined;
  let resolveOpen!: (t: number) => void;
  let rejectOpen!: (e: Error) => void;
  let resolveClosed!: (c: CloseInfo) => void;
  const opened = new Promise<number>((res, rej) => ((resolveOpen = res), (rejectOpen = rej)));
  opened.catch(() => undefined);
  const closed = new Promise<CloseInfo>((res) => (resolveClosed = res));
  let isClosed = false;

  sock.ev.on('connection.update', (u) => {
    updates.push(u);
    if (u.qr) {
      qrs.push(u.qr);
      if (qrWaiter) {
        qrWaiter(u.qr);
        qrWaiter = undefined;
      } else untakenQr = u.qr;
    }
    if (u.connection === 'open') resolveOpen(Date.now());
    if (u.connection === 'close') {
      isClosed = true;
      const err = u.lastDisconnect?.error as { output?: { statusCode?: number }; message?: string } | undefined;
      const info = { statusCode: err?.output?.statusCode, message: err?.message ?? '', at: Date.now() };
      rejectOpen(new Error(`closed before open: ${info.statusCode} ${info.message}`));
      resolveClosed(info);
    }
  });
  sock.ev.on('messages.upsert', ({ messages, type }) => {
    for (const message of messages) upserts.push({ type, message });
  });

  return {
    sock,
    startedAt,
    qrs,
    updates,
    upserts,
    opened,
    closed,
    nextQr(timeoutMs = 5000) {
      if (untakenQr) {
        const qr = untakenQr;
        untakenQr = undefined;
        return Promise.resolve(qr);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no QR in time')), timeoutMs);
        qrWaiter = (qr) => {
          clearTimeout(timer);
          untakenQr = undefined;
          resolve(qr);
        };
      });
    },
    end() {
      if (!isClosed) void sock.end(undefined);
    },
  };
}
