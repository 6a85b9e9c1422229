import type { ActorType } from './ActorType';

/**
 * The persisted part of an actor instance: its `@State()` fields, in `type.stateKeys` order (so the
 * same state always encodes to the same bytes). Values are not copied; encode the result before the
 * instance runs another method.
 *
 * @example
 * ```ts
 * const bytes = codec.encode(readState(instance, type));
 * ```
 */
export function readState(instance: object, type: ActorType): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  const fields = instance as Record<string, unknown>;
  for (const key of type.stateKeys) state[key] = fields[key];
  return state;
}

/**
 * Assigns a persisted state to a freshly created instance. Only `@State()` fields are assigned, and
 * only those present in `state`: a field added to the class after the record was written keeps
 * its initializer, and a key whose field was removed from the class is ignored (and dropped at the
 * next write).
 *
 * @throws TypeError when `state` is not an object (a corrupt or foreign record).
 * @example
 * ```ts
 * const instance = container.resolve(type.ctor);
 * if (record) applyState(instance, type, record.s);
 * ```
 */
export function applyState(instance: object, type: ActorType, state: unknown): void {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new TypeError(`state of actor type ${type.name} must be an object, got ${state === null ? 'null' : Array.isArray(state) ? 'array' : typeof state}`);
  }
  const fields = instance as Record<string, unknown>;
  for (const key of type.stateKeys) {
    if (Object.prototype.hasOwnProperty.call(state, key)) fields[key] = (state as Record<string, unknown>)[key];
  }
}
