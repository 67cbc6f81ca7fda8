/**
 * Build of the window (renderer/). One static bundle, loaded two ways: from replyline://app/ by
 * Electron and from / by the headless server — hence relative asset paths (`base: './'`). No
 * inline scripts or styles end up in index.html, so its strict CSP holds; the CSP in its <meta>
 * is the one both shells send as a header (main/core/app/window-files.ts), filled in here.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY_META } from './main/core/app/window-files.js';

const CSP_PLACEHOLDER = '%REPLYLINE_CSP%';

/** Put the window's one CSP into index.html's <meta>, and fail the build if there is no place for it. */
function cspMeta(): Plugin {
  return {
    name: 'replyline-csp-meta',
    transformIndexHtml(html) {
      if (!html.includes(CSP_PLACEHOLDER)) throw new Error(`renderer/index.html has no ${CSP_PLACEHOLDER} for the CSP`);
      return html.replace(CSP_PLACEHOLDER, CONTENT_SECURITY_POLICY_META);
    },
  };
}

const root = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [cspMeta()],
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Nothing as data: URLs or inline; keeps the CSP simple and the files inspectable.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1', strictPort: true },
});
