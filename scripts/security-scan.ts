/**
 * Electron security scan with electronegativity (@doyensec/electronegativity) over the code that
 * touches Electron: main/electron, preload and renderer (HTML and TS). It fails on
 *
 *   - any HIGH or MEDIUM finding, and
 *   - any file the scanner could not parse (its CLI skips those silently, which would hide
 *     findings).
 *
 * Findings that are prompts for manual review and were reviewed carry an inline
 * `eng-disable CHECK_ID` comment with the reason on the line above; they are listed here too, so
 * a suppression is never invisible.
 *
 * Offline and deterministic: the check that compares against Electron's latest release
 * (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK) needs GitHub and is excluded, and the scanner's HTTP
 * client is stubbed so its translation download does not leave the machine either.
 *
 * Run: `npx tsx scripts/security-scan.ts` (exit code 1 on failure).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(import.meta.dirname, '..');
export const SCANNED = ['main/electron', 'preload', 'renderer'] as const;
// Check class names, as the scanner's exclusion list expects them.
export const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

interface Level {
  value: number;
  name: string;
}
interface RawIssue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: Level;
  confidence: Level;
  description: string;
  manualReview: boolean;
}
interface RawResult {
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  issues: RawIssue[];
}
type Runner = (options: Record<string, unknown>, forCli: boolean) => Promise<RawResult>;

export interface Finding {
  id: string;
  severity: string;
  confidence: string;
  where: string;
  description: string;
}

export interface ScanResult {
  findings: Finding[];
  /** HIGH or MEDIUM findings: each one fails the scan. */
  blocking: Finding[];
  parseErrors: string[];
  /** Inline `eng-disable` suppressions: reviewed manual-review findings. */
  reviewed: string[];
  electronVersion: string;
}

function electronVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
    dependencies?: Record<string, string>;
  };
  const spec = pkg.devDependencies?.electron ?? pkg.dependencies?.electron;
  const version = spec?.match(/\d+\.\d+\.\d+/)?.[0];
  if (!version) throw new Error('security-scan: no electron version in package.json');
  return version;
}

/** Load electronegativity with its HTTP client stubbed out (no network from the scan). */
function loadScanner(): Runner {
  const localRequire = createRequire(path.join(repoRoot, 'package.json'));
  let entry: string;
  try {
    entry = process.env.ELECTRONEGATIVITY_PATH
      ? createRequire(path.join(process.env.ELECTRONEGATIVITY_PATH, 'noop.js')).resolve('@doyensec/electronegativity')
      : localRequire.resolve('@doyensec/electronegativity');
  } catch {
    throw new Error('security-scan: @doyensec/electronegativity is not installed; add it to devDependencies');
  }
  const scannerRequire = createRequire(entry);
  const offline = (): Promise<never> => Promise.reject(new Error('security-scan: network disabled'));
  const got = Object.assign(offline, { head: offline, get: offline });
  const gotPath = scannerRequire.resolve('got');
  const stub = new Module(gotPath);
  stub.filename = gotPath;
  stub.loaded = true;
  stub.exports = Object.assign(got, { default: got });
  scannerRequire.cache[gotPath] = stub;
  return scannerRequire(entry) as Runner;
}

function stage(root: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'replyline-scan-'));
  for (const rel of SCANNED) {
    const src = path.join(root, rel);
    try {
      statSync(src);
    } catch {
      continue;
    }
    cpSync(src, path.join(dir, rel), { recursive: true, filter: (p) => !p.includes(`${path.sep}node_modules`) });
  }
  return dir;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

function reviewedSuppressions(dir: string): string[] {
  const out: string[] = [];
  for (const file of listFiles(dir)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const m = line.match(/eng-disable\s+([\w\s]+?)(?:-->|\*\/|$)/);
        if (m) out.push(`${path.relative(dir, file)}:${i + 1} ${m[1]!.trim()}`);
      });
  }
  return out;
}

/** Scan `root` (default: this repository). */
export async function scanElectron(root: string = repoRoot): Promise<ScanResult> {
  const run = loadScanner();
  const dir = stage(root);
  const version = electronVersion(root);
  const log = console.log;
  try {
    console.log = () => undefined; // the scanner chats on stdout even in library mode
    const result = await run(
      {
        input: dir,
        isRelative: true,
        electronVersionOverride: version,
        customScan: [],
        excludeFromScan: EXCLUDED_CHECKS,
        parserPlugins: [],
      },
      false,
    );
    const findings = result.issues.map((i) => ({
      id: i.id,
      severity: i.severity.name,
      confidence: i.confidence.name,
      where: i.file === 'N/A' ? '(global)' : `${i.file}:${i.location.line}:${i.location.column}`,
      description: i.description.replace(/\s+/g, ' ').trim(),
    }));
    return {
      findings,
      blocking: findings.filter((f) => f.severity === 'HIGH' || f.severity === 'MEDIUM'),
      parseErrors: result.errors.map((e) => `${path.relative(dir, e.file)}: ${e.message}`),
      reviewed: reviewedSuppressions(dir),
      electronVersion: version,
    };
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatScan(r: ScanResult): string {
  const lines = [`electronegativity: scanned ${SCANNED.join(', ')} as Electron ${r.electronVersion}`];
  for (const f of r.findings) lines.push(`  ${f.severity.padEnd(13)} ${f.confidence.padEnd(9)} ${f.id}  ${f.where}  ${f.description}`);
  for (const e of r.parseErrors) lines.push(`  NOT PARSED    ${e}`);
  for (const s of r.reviewed) lines.push(`  reviewed      ${s}`);
  lines.push(
    r.blocking.length === 0 && r.parseErrors.length === 0
      ? `electronegativity: no high or medium finding (${r.findings.length} low/informational, ${r.reviewed.length} reviewed)`
      : `electronegativity: FAILED — ${r.blocking.length} high/medium finding(s), ${r.parseErrors.length} file(s) not parsed`,
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await scanElectron();
  console.log(formatScan(result));
  if (result.blocking.length > 0 || result.parseErrors.length > 0) process.exitCode = 1;
}
