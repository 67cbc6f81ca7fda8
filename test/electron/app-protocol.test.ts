import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  isAppUrl,
  registerAppScheme,
  resolveRendererPath,
  serveRendererFile,
  setupAppProtocol,
} from '../../main/electron/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../main/core/app/window-files.js';
import { tempDir } from '../support/temp-dir.js';
import { protocol, resetFakeElectron, session } from './support/fake-electron.js';

vi.mock('electron', () => import('./support/fake-electron.js'));

function renderer(): string {
  const dir = tempDir('replyline-renderer-');
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Replyline</title>');
  writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'do not serve');
  return dir;
}

describe('app protocol', () => {
  beforeEach(() => resetFakeElectron());

  it('registers replyline:// as a standard, secure scheme that does not bypass CSP', () => {
    registerAppScheme();
    const [[schemes]] = protocol.registerSchemesAsPrivileged.mock.calls as unknown as [[Electron.CustomScheme[]]];
    expect(schemes).toHaveLength(1);
    expect(schemes[0]!.scheme).toBe('replyline');
    expect(schemes[0]!.privileges).toMatchObject({ standard: true, secure: true });
    expect(schemes[0]!.privileges?.bypassCSP).toBeFalsy();
  });

  it('knows its own origin', () => {
    expect(isAppUrl('replyline://app/index.html')).toBe(true);
    expect(isAppUrl('replyline://other/index.html')).toBe(false);
    expect(isAppUrl('https://app/index.html')).toBe(false);
    expect(isAppUrl('nonsense')).toBe(false);
  });

  it('serves files from the renderer folder with the CSP header and a content type', async () => {
    const dir = renderer();
    setupAppProtocol(session.defaultSession as unknown as Electron.Session, dir);
    const handler = session.defaultSession.protocolHandlers.get('replyline')!;
    const res = await handler(new Request('replyline://app/assets/index-abc.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toBe('console.log(1)');
    const index = await serveRendererFile(dir, 'replyline://app/');
    expect(await index.text()).toContain('<title>Replyline</title>');
  });

  it.each([
    'replyline://app/../secret.txt',
    'replyline://app/%2e%2e/secret.txt',
    'replyline://app/assets/..%2f..%2fsecret.txt',
    'replyline://app/..%5csecret.txt',
    'replyline://other/index.html',
    'replyline://app/missing.js',
  ])('refuses %s', async (url) => {
    const dir = renderer();
    const res = await serveRendererFile(dir, url);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('do not serve');
  });

  it('never resolves outside the folder', () => {
    const dir = renderer();
    expect(resolveRendererPath(dir, 'replyline://app/assets/index-abc.js')).toBe(path.join(dir, 'assets', 'index-abc.js'));
    // URL parsing clamps dot segments at the root; whatever comes out stays inside the folder.
    for (const url of ['replyline://app/%2e%2e/%2e%2e/etc/passwd', 'replyline://app/a/../../../etc/passwd', 'replyline://app/..%2f..%2fetc']) {
      const file = resolveRendererPath(dir, url);
      if (file !== undefined) expect(path.relative(dir, file).startsWith('..')).toBe(false);
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await serveRendererFile(renderer(), 'replyline://app/index.html', 'POST')).status).toBe(405);
  });

  it('shows a "not built" page when the renderer is missing', async () => {
    const res = await serveRendererFile(tempDir(), 'replyline://app/index.html');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build');
  });
});
