/**
 * The baseline of the cold-start row: the least a script needs to show a WhatsApp QR with
 * Baileys — import it, keep creds with useMultiFileAuthState in a fresh folder, open a socket,
 * print the first QR (one JSON line, like `cli.ts --json`) and exit.
 * Usage: node --import tsx bench/clients/bare-qr.ts <ws-url> <noise-ca-hex> <folder>
 */
import makeWASocket, { useMultiFileAuthState, WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import pino from 'pino';

const [url, ca, folder] = process.argv.slice(2) as [string, string, string];
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(ca, 'hex');
const { state } = await useMultiFileAuthState(folder);
const sock = makeWASocket({ waWebSocketUrl: url, auth: state, logger: pino({ level: 'silent' }), markOnlineOnConnect: false });
sock.ev.on('connection.update', (u) => {
  if (u.qr) {
    process.stdout.write(JSON.stringify({ type: 'qr', qr: u.qr }) + '\n');
    process.exit(0);
  }
});
