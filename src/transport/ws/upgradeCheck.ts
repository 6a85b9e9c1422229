import type { IncomingHttpHeaders } from 'node:http';
import { ActorGridError } from '../../errors';

const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The handshake checks ws makes in `handleUpgrade`, made first so that a malformed upgrade request
 * is answered in the protocol's error shape (400 INVALID_REQUEST) instead of ws's plain-text 400:
 * `Upgrade: websocket`, a 16-byte base64 `Sec-WebSocket-Key`, version 13 (or 8), and a
 * `Sec-WebSocket-Protocol`, when present, that is a list of distinct tokens. Undefined when fine.
 */
export function upgradeProblem(headers: IncomingHttpHeaders): ActorGridError | undefined {
  const refuse = (what: string) => new ActorGridError('INVALID_REQUEST', `not a valid WebSocket upgrade: ${what}`);
  if (headers.upgrade?.toLowerCase() !== 'websocket') return refuse('the Upgrade header must be "websocket"');
  const key = headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return refuse('missing or invalid Sec-WebSocket-Key');
  const version = headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return refuse('Sec-WebSocket-Version must be 13');
  const protocols = headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const names = protocols.split(',').map((name) => name.trim());
    if (!names.every((name) => TOKEN.test(name)) || new Set(names).size !== names.length) return refuse('invalid Sec-WebSocket-Protocol');
  }
  return undefined;
}
