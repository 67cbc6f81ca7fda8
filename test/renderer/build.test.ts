/**
 * The window builds into static files both shells can serve: relative asset paths, the one CSP in
 * its <meta>, no inline script or style, nothing remote.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY_META } from '../../main/core/app/window-files.js';
import { buildRenderer } from '../support/browser.js';

describe('renderer: the build', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await buildRenderer();
  }, 120_000);

  it('builds with relative asset paths, a strict CSP and no inline script or style', () => {
    const html = readFileSync(path.join(outDir, 'index.html'), 'utf8');
    // The <meta> carries the one CSP both shells send as a header (less frame-ancestors, which a
    // <meta> cannot carry), and it is at least as strict as the hand-written one it replaced.
    expect(html).toContain(`content="${CONTENT_SECURITY_POLICY_META}"`);
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'none'"]) {
      expect(CONTENT_SECURITY_POLICY_META.split('; ')).toContain(directive);
    }
    expect(html).toMatch(/<script type="module"[^>]* src="\.\/assets\/[^"]+\.js"><\/script>/);
    expect(html).toMatch(/href="\.\/assets\/[^"]+\.css"/);
    expect(html).not.toMatch(/<style|style="|<script(?![^>]*src=)[^>]*>[^<]/);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
