/**
 * Build of the window (renderer/). One static bundle, loaded two ways: from file:// by Electron
 * and from / by the headless server — hence relative asset paths (`base: './'`). No inline
 * scripts or styles end up in index.html, so its strict CSP holds.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
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
