/**
 * The actor programming model: decorators that record metadata, the per-node registry that reads
 * it, state encoding and access, the ambient call context and typed refs.
 *
 * Load `reflect-metadata` once, at the entry point, before importing this module or defining any
 * actor class (tsyringe, imported here, refuses to load without it).
 */
export { Actor, Action, Query, Reminder, State, type Constructor } from './decorators';
export type { ActorOptions, ActionOptions, MethodOptions, MethodKind } from './ActorMetadata';
export { ActorRegistry } from './ActorRegistry';
export type { ActorType, ActorMethod } from './ActorType';
export { RegistryError, type RegistryErrorReason } from './RegistryError';
export { StateCodec } from './StateCodec';
export { readState, applyState } from './actorState';
export { ActorContext, SHARED_OBJECT_TYPE, type SharedObjectRef, type ActorContextInit, type OutboxItem, type PendingPublish, type PublishChecker } from './ActorContext';
export { createActorRef, type ActorRef, type UntypedActor, type RefSender } from './ActorRef';
export { actorKey, type CallRequest, type CallInvoker } from './CallRequest';

import { actorRecordOf } from './ActorMetadata';
/** Whether `value` is a class decorated with `@Actor` (used to load actor classes from a folder). */
export function isActorClass(value: unknown): value is import('./decorators').Constructor {
  return typeof value === 'function' && actorRecordOf(value) !== undefined;
}
