/**
 * Who a client is, as hooks of push users (destinations, shared objects, live queries) see it: a
 * small identity, not the transport's session. A protocol `Session` satisfies it structurally.
 */
export interface ClientPrincipal {
  /** Unique on this node: the HTTP request id, or the WebSocket connection's id. */
  readonly id: string;
  /** The transport it came on, e.g. `ws` or `http`. */
  readonly transport: string;
  /** The peer's address as the socket saw it. */
  readonly remote?: string;
  /** The authenticated subject (auth on). */
  readonly subject?: string;
  /** The authenticated roles (auth on). */
  readonly roles?: readonly string[];
}
