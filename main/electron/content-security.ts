/**
 * The window's web-side lockdown, applied to its session once at start-up:
 *
 *  - the window's one Content-Security-Policy (core/app/window-files.ts) on every response (the app
 *    protocol sets it too, and the built index.html carries it in a <meta>);
 *  - every permission request and permission check denied (camera, notifications, clipboard
 *    read, geolocation, …): the window needs none; notifications come from the main process;
 *  - device access (HID, serial, USB) denied;
 *  - downloads cancelled, except files the page made itself (a `blob:` of the app's origin or
 *    a `data:` URL: the reply log / history export), which get the usual save dialog.
 */
import type { Session } from 'electron';
import { APP_ORIGIN } from './app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../core/app/window-files.js';

export function setupSessionSecurity(ses: Session): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });

  // Grants nothing: the window needs no permission.
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event, item) => {
    if (!isLocalDownload(item.getURL())) event.preventDefault();
  });
}

/** A download whose bytes the page produced itself, not something fetched from anywhere. */
export function isLocalDownload(url: string): boolean {
  return url.startsWith(`blob:${APP_ORIGIN}/`) || url.startsWith('data:');
}
