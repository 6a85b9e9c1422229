/**
 * actorgrid's public API. Import `reflect-metadata` once at your entry point, before this module.
 *
 * @example
 * import 'reflect-metadata';
 * import { Actor, Action, Query, State } from 'actorgrid';
 */
export { Actor, Action, Query, Reminder, State, ActorContext, ActorRegistry, RegistryError, StateCodec, createActorRef } from './actor';
export type { ActorOptions, ActionOptions, MethodOptions, ActorRef, ActorType, ActorMethod, CallRequest, CallInvoker, Constructor } from './actor';
export { ActorGridError, UnavailableError, RequestRefusedError, ConfigError, ERROR_CODES, HTTP_STATUS, JSON_RPC_CODE, type ErrorCode } from './errors';
export { loadConfig, type Config, type DeepPartial } from './config';
export { Logger, type LogLevel } from './runtime/Logger';
export { MemoryGrid, MemoryGridStore, HazelcastGrid, P, type Grid, type GridMap, type GridStream, type Predicate } from './grid';
export { ActorGridClient, HttpActorClient, ConnectionClosedError, RequestTimeoutError, TransportError, type ActorGridClientOptions, type HttpActorClientOptions, type CallOptions, type Notification, type ClientEncoding } from './client';
export { Destination, Selector, SubtopicPattern, type DestinationOptions, type DestinationHooks, type DestinationCaller, type OutgoingMessage, type HeaderValue } from './destinations';
export { SharedObject, type SharedObjectOptions, type SharedObjectHooks, type SharedObjectUpdate, type SharedObjectSnapshot, type SharedObjectCaller } from './shared';
export { Collection, DataRecord, type CollectionOptions, type RecordValue, type DataChange, type DataRecordView } from './data';
export { Allow, type AllowRule } from './auth/Allow';
export type { AuthPrincipal, AuthTarget } from './auth/AuthPrincipal';
export type { ClientPrincipal } from './push';
export { ActorGridNode, type NodeOptions } from './ActorGridNode';
export type { ReminderOptions, ReminderInfo, ReminderView } from './reminders/Reminder';
