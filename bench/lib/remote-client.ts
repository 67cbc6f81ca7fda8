/**
 * The row's handle on a client under test running in a child process (see clients/): starts it
 * (compiled with esbuild and run with plain node, both kinds alike: lib/compile.ts), pairs it
 * with the fake server's phone, and forwards memory probes and stop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { FakeWaServer, AccountInfo } from '../../test/fake-wa/index.js';
import type { ClientArgs, FromClient, MemorySample } from '../clients/protocol.js';
import { compileEntry } from './compile.js';

export const CLIENTS = {
  replyline: 'bench/clients/replyline-client.ts',
  bare: 'bench/clients/bare-echo-client.ts',
} as const;
export type ClientKind = keyof typeof CLIENTS;

const compiled = new Map<ClientKind, Promise<string>>();

export class RemoteClient {
  private readonly listeners = new Set<(m: FromClient) => void>();
  opens = 0;
  closes = 0;
  private exited = false;

  private constructor(
    readonly kind: ClientKind,
    readonly child: ChildProcess,
  ) {
    child.on('message', (raw) => {
      const m = raw as FromClient;
      if (m.type === 'open') this.opens++;
      if (m.type === 'closed') this.closes++;
      for (const l of [...this.listeners]) l(m);
    });
    child.on('exit', (code) => {
      this.exited = true;
      // Anyone still waiting hears that the client is gone.
      const gone: FromClient = { type: 'error', message: `exited with code ${code}` };
      for (const l of [...this.listeners]) l(gone);
    });
  }

  static async start(kind: ClientKind, server: FakeWaServer, args: Omit<ClientArgs, 'url' | 'ca'>, opts: { exposeGc?: boolean } = {}): Promise<RemoteClient> {
    const full: ClientArgs = { ...args, url: server.url, ca: server.caPublicKey.toString('hex') };
    if (!compiled.has(kind)) compiled.set(kind, compileEntry(CLIENTS[kind]));
    const child = fork(await compiled.get(kind)!, [JSON.stringify(full)], {
      execArgv: [
        ...(opts.exposeGc ? ['--expose-gc'] : []),
        // BENCH_CPU_PROF=dir: a V8 CPU profile of each client, for finding where the time goes.
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ],
      env: { ...process.env, REPLYLINE_BAILEYS_LOG_LEVEL: process.env.BENCH_BAILEYS_LOG_LEVEL ?? 'silent', REPLYLINE_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new RemoteClient(kind, child);
  }

  /** Resolve with the next message matching `pred`. */
  next<T extends FromClient['type']>(type: T, timeoutMs = 30_000, pred: (m: Extract<FromClient, { type: T }>) => boolean = () => true): Promise<Extract<FromClient, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`${this.kind} client: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (m: FromClient) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          this.listeners.delete(listener);
          reject(new Error(`${this.kind} client: ${m.message}`));
          return;
        }
        if (m.type !== type || !pred(m as Extract<FromClient, { type: T }>)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(m as Extract<FromClient, { type: T }>);
      };
      this.listeners.add(listener);
    });
  }

  /** Scan the client's first QR with `account`'s phone and wait until it is logged in. */
  async pair(server: FakeWaServer, account: AccountInfo): Promise<void> {
    const opened = this.next('open', 60_000);
    const { qr } = await this.next('qr', 60_000);
    await server.scanQr(qr, account);
    await opened;
  }

  async memory(): Promise<MemorySample> {
    const reply = this.next('memory', 60_000);
    this.child.send({ cmd: 'memory' });
    return (await reply).sample;
  }

  /** CPU time (ms) the client process has used so far. */
  async cpuMs(): Promise<number> {
    const reply = this.next('cpu', 30_000);
    this.child.send({ cmd: 'cpu' });
    return (await reply).sample.cpuMs;
  }

  /** Replyline only: sizes of its stores (for explaining memory figures); `full` adds the reply statuses. */
  async stats(full = false): Promise<Record<string, unknown>> {
    const reply = this.next('info', 120_000, (m) => m.info.stats === true);
    this.child.send({ cmd: 'stats', full });
    const { info } = await reply;
    const { stats: _stats, ...rest } = info;
    return rest;
  }

  /** Replyline only: resolves once every store's writes and compactions so far are done. */
  async flush(): Promise<void> {
    const reply = this.next('info', 120_000, (m) => m.info.flushed === true);
    this.child.send({ cmd: 'flush' });
    await reply;
  }

  async profileStart(): Promise<void> {
    const started = this.next('info', 30_000, (m) => m.info.profiling === true);
    this.child.send({ cmd: 'profile-start' });
    await started;
  }

  async profileStop(file: string): Promise<void> {
    const done = this.next('profiled', 60_000);
    this.child.send({ cmd: 'profile-stop', file });
    await done;
  }

  /** Write a V8 heap snapshot of the client (it stops for a few seconds meanwhile). */
  async heapSnapshot(file: string): Promise<void> {
    const done = this.next('profiled', 300_000);
    this.child.send({ cmd: 'heap-snapshot', file });
    await done;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
