/**
 * What the window's tests in a real browser share (renderer tests and the end-to-end test):
 * where Chromium is and how it is started, the built renderer, the checks every page gets (no
 * CSP violation), and reading a QR code off the screen as a phone's camera would.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsQRModule from 'jsqr';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';

// jsqr is CommonJS; under NodeNext its default import is the module object.
const jsQR = jsQRModule.default;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Debian's Chromium (`.ci/run` installs it when it is missing). */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** Say once per file why its browser tests are skipped. */
export function warnIfNoChromium(what: string): void {
  if (!HAS_CHROMIUM) console.warn(`${what} skipped: no Chromium at ${CHROMIUM} (install the Debian "chromium" package to run them)`);
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A browser with its own profile folder (nothing from an earlier run can help). */
export function launchChromiumWithProfile(
  userDataDir: string,
  options: Omit<Parameters<typeof chromium.launchPersistentContext>[1], keyof LaunchOptions>,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: ARGS, ...options });
}

/** The window in a browser as a person would open it, with what the end-to-end tests check on every page. */
export interface WindowBrowser {
  context: BrowserContext;
  page: Page;
  /** Requests to any origin but the window's (data: and blob: URLs aside). */
  foreignRequests: string[];
  /** Uncaught errors of the page. */
  pageErrors: string[];
  /** Close the browser and remove its profile folder. */
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile on a fixed viewport, locale, zone and colour scheme (so screenshots are
 * stable), watching CSP violations, requests to other origins and uncaught page errors of its page.
 */
export async function openWindowBrowser(origin: string, viewport = { width: 1100, height: 800 }): Promise<WindowBrowser> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'replyline-window-chromium-'));
  const context = await launchChromiumWithProfile(userDataDir, {
    viewport,
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  await watchCspViolations(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`) && !/^(data|blob):/.test(r.url())) foreignRequests.push(r.url());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return {
    context,
    page,
    foreignRequests,
    pageErrors,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Record every CSP violation of every page of `target` (read them with `cspViolations`). */
export async function watchCspViolations(target: BrowserContext | Page): Promise<void> {
  await target.addInitScript(() => {
    const list: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = list;
    document.addEventListener('securitypolicyviolation', (e) => list.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []);
}

/** Decode a QR from a PNG by drawing it on a canvas of `decoder` (a blank page) and reading the pixels. */
export async function decodeQr(decoder: Page, png: Buffer): Promise<string | undefined> {
  const { width, height, rgba } = await decoder.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let bin = '';
    for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, rgba: btoa(bin) };
  }, png.toString('base64'));
  return jsQR(new Uint8ClampedArray(Buffer.from(rgba, 'base64')), width, height, { inversionAttempts: 'dontInvert' })?.data;
}

// ---- The built renderer ---------------------------------------------------------------------

/** Everything the built window depends on (the lint rules keep the renderer to the contract). */
const BUILD_INPUTS = ['renderer', 'main/contract', 'main/core/app/window-files.ts', 'vite.config.ts', 'package-lock.json'];

function filesUnder(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((name) => filesUnder(path.join(p, name)));
}

let rendererBuild: Promise<string> | undefined;

/**
 * The renderer built with Vite's JS API (about a second), for the tests and `--renderer-dir`.
 * Builds are kept in the temp folder under a hash of their sources, so the test files of a run
 * share one; a fresh build never serves a stale `dist/renderer`, and never races another build:
 * it is made in a folder of its own and renamed into place.
 */
export function buildRenderer(): Promise<string> {
  rendererBuild ??= (async () => {
    const hash = createHash('sha256');
    for (const file of BUILD_INPUTS.flatMap((p) => filesUnder(path.join(REPO_ROOT, p)))) {
      hash.update(path.relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
    }
    const dir = path.join(os.tmpdir(), `replyline-renderer-${hash.digest('hex').slice(0, 16)}`);
    if (existsSync(path.join(dir, 'index.html'))) return dir;
    const { build } = await import('vite');
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'replyline-renderer-build-'));
    await build({ configFile: path.join(REPO_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    try {
      renameSync(outDir, dir);
    } catch {
      rmSync(outDir, { recursive: true, force: true }); // another test file put the same build in place first
    }
    return dir;
  })();
  return rendererBuild;
}
