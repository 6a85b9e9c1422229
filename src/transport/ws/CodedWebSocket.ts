import { WebSocket } from 'ws';

/** The reasons given with the close codes ws sends after its own protocol errors. */
const REASONS: Readonly<Record<number, string>> = {
  1002: 'INVALID_REQUEST: WebSocket protocol error',
  1007: 'PARSE_ERROR: invalid UTF-8 in a text frame',
  1009: 'PAYLOAD_TOO_LARGE: frame over the size limit',
};

/**
 * ws's WebSocket, closing with a coded reason (`<CODE>: <text>`, a code of the error table) when ws
 * itself closes a connection after a protocol error (a frame over `maxPayload`: 1009, invalid UTF-8:
 * 1007, a malformed frame: 1002), which ws does with a bare close code. Given to the WebSocket
 * server as its `WebSocket` class; closes with a reason of their own are unchanged.
 */
export class CodedWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    const reason = data === undefined && code !== undefined ? REASONS[code] : undefined;
    super.close(code, reason ?? data);
  }
}
