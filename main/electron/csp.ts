/**
 * The window's Content-Security-Policy, in one place: sent as a header by the app protocol and by
 * the session (content-security.ts); renderer/index.html carries the same policy in a <meta>.
 */

/**
 * Nothing remote: scripts, styles, fonts and fetches only from the app itself; images from the
 * app or `data:` (the QR code is drawn into a data URL); no frames, objects, forms or <base>.
 * Keep the renderer's <meta http-equiv="Content-Security-Policy"> the same or stricter.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "media-src 'none'",
].join('; ');
