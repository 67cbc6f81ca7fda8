import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  CONTENT_SECURITY_POLICY_META,
  readWindowFile,
  resolveWindowFile,
} from '../../../main/core/app/window-files.js';
import { tempDir } from '../../support/temp-dir.js';

function renderer(): string {
  const dir = tempDir('replyline-window-files-');
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Replyline</title>');
  writeFileSync(path.join(dir, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(path.dirname(dir), 'outside.txt'), 'do not serve');
  return dir;
}

describe("the window's files (both shells)", () => {
  it('serves a file with its type, the CSP and the hardening headers', async () => {
    const r = await readWindowFile(renderer(), '/assets/app.css');
    expect(r.status).toBe(200);
    expect(r.headers).toEqual({
      'Content-Type': 'text/css; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    if (r.status === 200) expect(new TextDecoder().decode(r.body!)).toBe('body{}');
  });

  it('serves index.html for /, headers only for HEAD, and 405 for other methods', async () => {
    const dir = renderer();
    const index = await readWindowFile(dir, '/');
    expect(index.headers['Content-Type']).toMatch(/^text\/html/);
    const head = await readWindowFile(dir, '/', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: null });
    expect(await readWindowFile(dir, '/', 'POST')).toMatchObject({ status: 405, reason: 'method-not-allowed' });
  });

  it.each(['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/..%5coutside.txt', '/index.html%00', '/%', '/assets/', '/missing.js'])(
    'answers 404 for %s',
    async (pathname) => {
      expect(await readWindowFile(renderer(), pathname)).toMatchObject({ status: 404, reason: 'not-found' });
    },
  );

  it('never resolves outside the folder', () => {
    const dir = renderer();
    expect(resolveWindowFile(dir, '/assets/app.css')).toBe(path.join(dir, 'assets', 'app.css'));
    for (const p of ['/../../etc/passwd', '/a/../../../etc/passwd', '/..%2f..%2fetc', '/%2e%2e/%2e%2e/etc']) {
      const file = resolveWindowFile(dir, p);
      if (file !== undefined) expect(path.relative(dir, file).startsWith('..')).toBe(false);
    }
  });

  it('says the window is not built when index.html is missing', async () => {
    const r = await readWindowFile(tempDir(), '/');
    expect(r.status).toBe(200);
    if (r.status === 200) expect(new TextDecoder().decode(r.body!)).toContain('npm run build');
  });

  it('has one policy, and the <meta> form differs only by frame-ancestors', () => {
    expect(CONTENT_SECURITY_POLICY.split('; ').filter((d) => !CONTENT_SECURITY_POLICY_META.split('; ').includes(d))).toEqual([
      "frame-ancestors 'none'",
    ]);
  });
});
