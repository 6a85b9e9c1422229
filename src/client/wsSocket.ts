import WebSocket from 'ws';
import { onceClosed, type ClientSocket, type SocketConnector } from './ClientSocket';

/**
 * Sockets on the `ws` package, for Node (Node 20 has no global WebSocket): sends the `headers`
 * option on the upgrade, names the HTTP status of a refused upgrade, and really terminates.
 */
export const wsConnector: SocketConnector = (url, options, events) => {
  const socket = new WebSocket(url, { headers: options.headers, handshakeTimeout: options.connectTimeoutMs, perMessageDeflate: false });
  const ending = onceClosed(events);
  let failure: Error | undefined;
  socket.on('unexpected-response', (_request, response) => {
    failure = new Error(`${url} refused the WebSocket upgrade with HTTP ${response.statusCode}`);
    response.resume();
    socket.terminate();
  });
  socket.on('error', (err) => {
    failure ??= new Error(`WebSocket ${url}: ${err.message}`, { cause: err });
  });
  socket.once('open', () => events.open());
  socket.on('message', (data, isBinary) => {
    const bytes = toBuffer(data);
    events.message(isBinary ? bytes : bytes.toString('utf8'));
  });
  socket.once('close', (code, reason) => ending.emitClose(code, reason.toString(), failure));
  const adapter: ClientSocket & { readonly ws: WebSocket } = {
    /** The `ws` instance: tests pause its TCP socket to play a slow reader (test/support/slowReader.ts). */
    ws: socket,
    get isOpen() {
      return socket.readyState === WebSocket.OPEN;
    },
    closed: ending.closed,
    send(data, onError) {
      socket.send(data, { binary: typeof data !== 'string' }, (err) => {
        if (err) onError(err);
      });
    },
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
  };
  return adapter;
};

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
