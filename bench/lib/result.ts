/** What a row process reports to `bench/run.ts`: one line on stdout, `BENCH_RESULT {json}`. */

export interface TableLine {
  /** Row number and short name, e.g. "1 Reply after re-open, p50". */
  name: string;
  replyline: string;
  baseline: string;
  /** Replyline ÷ baseline (or as the target states it), as printed. */
  ratio: string;
  target: string;
  /** null: informational line without a target. */
  met: boolean | null;
}

export interface RowResult {
  id: string;
  title: string;
  lines: TableLine[];
  /** Raw figures for results.json. */
  data: Record<string, unknown>;
  notes: string[];
  seconds: number;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export function emitResult(result: RowResult): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Run a row when its file is run directly (`npx tsx bench/rows/<row>.ts`): its result on stdout, exit 0; or the error on stderr, exit 1. */
export function runIfMain(moduleUrl: string, run: () => Promise<RowResult>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  run().then(
    (r) => {
      emitResult(r);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

export function ms(n: number, digits = 1): string {
  return `${n.toFixed(digits)} ms`;
}

export function ratio(n: number, digits = 2): string {
  return `${n.toFixed(digits)}×`;
}
