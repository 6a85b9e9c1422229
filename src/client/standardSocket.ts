import { onceClosed, type SocketConnector, type WebSocketConstructor } from './ClientSocket';

const OPEN = 1;
/** Close code of a connection dropped without a close frame (RFC 6455 7.4.1). */
const ABNORMAL_CLOSURE = 1006;

/**
 * Sockets on a standard `WebSocket` constructor (the browser's). What the standard API cannot do:
 * send headers on the upgrade (`options.headers` are not sent: a browser sends the page's cookies),
 * tell why a connection failed (a refused upgrade is a close with 1006, no HTTP status), or drop a
 * connection at once (`terminate()` closes it and reports the close without waiting for the node).
 * The handshake timeout is a timer of our own.
 */
export function standardConnector(WebSocketImpl: WebSocketConstructor): SocketConnector {
  return (url, options, events) => {
    const socket = new WebSocketImpl(url);
    socket.binaryType = 'arraybuffer';
    const ending = onceClosed(events);
    let failure: Error | undefined;
    let closing = false;
    const handshake = setTimeout(() => {
      failure = new Error(`WebSocket ${url}: no handshake within ${options.connectTimeoutMs} ms`);
      terminate();
    }, options.connectTimeoutMs);
    const terminate = (): void => {
      closing = true;
      socket.close();
      ending.emitClose(ABNORMAL_CLOSURE, 'terminated', failure);
    };
    socket.addEventListener('open', () => {
      clearTimeout(handshake);
      if (!ending.done) events.open();
    });
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (ending.done) return;
      const { data } = event;
      events.message(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
    });
    socket.addEventListener('error', (event: { message?: unknown }) => {
      // Browsers say nothing about why; other implementations (ws) give a message.
      if (typeof event?.message === 'string' && event.message) failure ??= new Error(`WebSocket ${url}: ${event.message}`);
    });
    socket.addEventListener('close', (event: { code: number; reason: string }) => {
      clearTimeout(handshake);
      ending.emitClose(event.code, event.reason, failure);
    });
    return {
      get isOpen() {
        return !closing && !ending.done && socket.readyState === OPEN;
      },
      closed: ending.closed,
      send(data, onError) {
        try {
          socket.send(data);
        } catch (err) {
          onError(err as Error);
        }
      },
      close(code, reason) {
        closing = true;
        socket.close(code, reason);
      },
      terminate,
    };
  };
}
