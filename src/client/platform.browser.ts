import type { SocketConnector, WebSocketConstructor } from './ClientSocket';
import { standardConnector } from './standardSocket';

/** The browser's side of platform.ts (the bundle swaps it in): the standard WebSocket, console warnings. */

/** The `WebSocket` option when given, else the global `WebSocket`. */
export function chooseConnector(WebSocketImpl: WebSocketConstructor | undefined): SocketConnector {
  const impl = WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!impl) throw new TypeError('ActorGridClient: this environment has no WebSocket; pass one as options.WebSocket');
  return standardConnector(impl);
}

/** Where errors that belong to no request go when the application gave no `onError`: the console. */
export function reportUnhandled(err: Error): void {
  console.warn(err);
}
