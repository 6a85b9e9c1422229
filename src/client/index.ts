/**
 * Clients of actorgrid nodes: `ActorGridClient` (WebSocket JSON-RPC, one connection, concurrent
 * requests, notifications) and `HttpActorClient` (one HTTP request per call). Both turn the node's
 * coded errors into `ActorGridError`s and give typed actor refs.
 */
export { ActorGridClient } from './ActorGridClient';
export type { ActorGridClientOptions, CallOptions, ConnectionState, Notification, StateChange } from './clientOptions';
export { webSocketUrl } from './NodeList';
export { Destination, DestinationSubscription, type DestinationGap, type DestinationMessage, type DestinationSubscribeOptions } from './DestinationSubscription';
export { Collection, LiveQuery, type CollectionQuery, type LiveChange, type LiveQueryOptions, type LiveRecord } from './LiveQuery';
export { SharedObjectClient, SharedObjectReplica, type SharedObjectChange, type SharedObjectReplicaOptions } from './SharedObjectReplica';
export { HttpActorClient, type HttpActorClientOptions } from './HttpActorClient';
export { ConnectionClosedError, RequestTimeoutError, TransportError } from './clientErrors';
export type { ClientEncoding } from './clientCodec';
