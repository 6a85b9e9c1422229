/**
 * Clients of actorgrid nodes: `ActorGridClient` (WebSocket JSON-RPC, one connection, concurrent
 * requests, notifications) and `HttpActorClient` (one HTTP request per call). Both turn the node's
 * coded errors into `ActorGridError`s and give typed actor refs.
 */
export { ActorGridClient, type ActorGridClientOptions, type CallOptions, type ConnectionState, type Notification, type StateChange } from './ActorGridClient';
export { webSocketUrl } from './NodeList';
export { HttpActorClient, type HttpActorClientOptions } from './HttpActorClient';
export { ConnectionClosedError, RequestTimeoutError, TransportError } from './clientErrors';
export type { ClientEncoding } from './clientCodec';
