import WebSocket from 'ws';
import type { ActorGridClientOptions, WebSocketConstructor } from '../../src/client';

/**
 * The two socket adapters of ActorGridClient, for suites that run over both: Node's default (`ws`
 * with its own API) and the standard WebSocket API the browser bundle uses, here played by `ws`'s
 * standard-compatible class (a real browser runs in test/integration/clientBrowser.test.ts).
 */
export const CLIENT_SOCKETS: ReadonlyArray<{ name: string; options: Pick<ActorGridClientOptions, 'WebSocket'> }> = [
  { name: 'ws', options: {} },
  { name: 'the standard WebSocket API', options: { WebSocket: WebSocket as unknown as WebSocketConstructor } },
];
