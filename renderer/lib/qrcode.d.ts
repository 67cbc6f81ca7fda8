// The QR encoder core of `qrcode` (no renderers, no Node types). Only what lib/qr.ts uses.
declare module 'qrcode/lib/core/qrcode.js' {
  interface QrSymbol {
    version: number;
    modules: { size: number; data: Uint8Array };
  }
  const QRCode: {
    create(text: string, options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' }): QrSymbol;
  };
  export default QRCode;
}
