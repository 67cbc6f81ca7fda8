/**
 * Draws a QR symbol onto a canvas so a phone (and jsQR in tests) reads it reliably: whole
 * device pixels per module, no smoothing, black on white whatever the theme, and a four-module
 * quiet zone. The text is never written anywhere else (not into the DOM, not into logs).
 */
import QRCode from 'qrcode/lib/core/qrcode.js';

export interface QrDrawOptions {
  /** Minimum CSS size of the whole image, quiet zone included. */
  minSize?: number;
  /** Quiet zone in modules. */
  margin?: number;
}

export function drawQr(canvas: HTMLCanvasElement, text: string, options: QrDrawOptions = {}): void {
  const margin = options.margin ?? 4;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'L' });
  const count = modules.size + margin * 2;
  const scale = Math.max(4, Math.ceil((options.minSize ?? 288) / count));
  const cssSize = count * scale;
  const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const px = scale * dpr;

  canvas.width = cssSize * dpr;
  canvas.height = cssSize * dpr;
  // CSSOM, not a style attribute: allowed by the page's CSP.
  canvas.style.width = `${cssSize}px`;
  canvas.style.height = `${cssSize}px`;

  const ctx = canvas.getContext('2d', { alpha: false });
  if (!ctx) return;
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000000';
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.data[row * modules.size + col]) ctx.fillRect((col + margin) * px, (row + margin) * px, px, px);
    }
  }
}

export function clearQr(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}
