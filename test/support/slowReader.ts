import type { ActorGridClient } from '../../src/client';

/**
 * The TCP socket under a Node client's connection (its `ws` adapter), to pause and resume: a
 * subscriber that stops reading, so the node's send buffer for it grows. Reaches into internals on
 * purpose; only the `ws` adapter (the Node default) has one.
 */
export function tcpSocketOf(client: ActorGridClient): { pause(): void; resume(): void } {
  const socket = (client as unknown as { socket?: { ws?: { _socket?: { pause(): void; resume(): void } } } }).socket;
  const tcp = socket?.ws?._socket;
  if (!tcp) throw new Error('the client has no open ws connection');
  return tcp;
}
