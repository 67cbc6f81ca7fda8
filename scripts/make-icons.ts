/**
 * Write the packaging icon, build/icon.png (1024 px; electron-builder derives the macOS .icns,
 * the Windows .ico and the Linux sizes from it), from the same drawing the app uses at run time
 * (main/electron/icons.ts). Run: `npx tsx scripts/make-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appIconPng } from '../main/electron/icons.js';

const buildDir = path.resolve(import.meta.dirname, '..', 'build');
mkdirSync(buildDir, { recursive: true });
writeFileSync(path.join(buildDir, 'icon.png'), appIconPng(1024));
console.log('make-icons: build/icon.png written');
