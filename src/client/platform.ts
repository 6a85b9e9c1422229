import type { SocketConnector, WebSocketConstructor } from './ClientSocket';
import { standardConnector } from './standardSocket';
import { wsConnector } from './wsSocket';

/**
 * What differs between Node and the browser, chosen here once. This file is Node's; the browser
 * bundle (scripts/buildBrowserClient.ts) puts platform.browser.ts in its place, so `ws` and
 * `process` never reach it.
 */

/** The `WebSocket` option when given (any standard constructor), else the `ws` package. */
export function chooseConnector(WebSocketImpl: WebSocketConstructor | undefined): SocketConnector {
  return WebSocketImpl ? standardConnector(WebSocketImpl) : wsConnector;
}

/** Where errors that belong to no request go when the application gave no `onError`: a process warning. */
export function reportUnhandled(err: Error): void {
  process.emitWarning(err);
}
