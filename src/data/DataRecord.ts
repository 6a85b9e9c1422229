import { Action, ActorContext, State } from '../actor';
import { RequestRefusedError } from '../errors';

/** A record's fields: a JSON object. */
export type RecordValue = Record<string, unknown>;

/**
 * The base class of a collection's records (`@Collection`). Each actor of the type is one record:
 * `value` is its fields (`null` while it does not exist, or after it was deleted) and `version`
 * counts its committed changes — the runtime sets it, one per call that changed `value`.
 *
 * Subclasses add `@Action`s that change `this.value` (every change is checked against the
 * collection's schema before it commits, and watchers hear of it) and `@Query`s that read it. They
 * may not declare `@State` fields of their own: the record is the state.
 */
export class DataRecord<T extends RecordValue = RecordValue> {
  /** The record's fields, or `null` when it does not exist. */
  @State() value: T | null = null;
  /** The record's version: 0 before it was ever created, then +1 per committed change. */
  @State() version = 0;

  /** The record's id (the actor id). Only inside a call. */
  get id(): string {
    return ActorContext.current().actorId;
  }

  /** The record's fields; throws NOT_FOUND when it does not exist. */
  require(): T {
    if (this.value === null) throw notFound(ActorContext.current().actorType, ActorContext.current().actorId);
    return this.value;
  }

  /** `data.create`: creates the record; VERSION_CONFLICT when it exists. */
  @Action({ name: '$create' })
  $create(value: object): { id: string; version: number } {
    if (this.value !== null) throw conflict(this.version, 'the record already exists');
    this.value = checkObject(value, 'value') as T;
    return { id: this.id, version: this.version + 1 };
  }

  /**
   * `data.update`: merges `set` into the record's top-level fields, or replaces them with `value`;
   * with `ifVersion`, only if the record is at that version.
   */
  @Action({ name: '$update' })
  $update(change: object): { version: number } {
    const { set, value, ifVersion } = checkChange(change);
    const current = this.require();
    if (ifVersion !== undefined && ifVersion !== this.version) throw conflict(this.version, `the record is at version ${this.version}, not ${ifVersion}`);
    const next = value !== undefined ? value : { ...current, ...set };
    const changed = JSON.stringify(next) !== JSON.stringify(current);
    this.value = next as T;
    return { version: changed ? this.version + 1 : this.version };
  }

  /**
   * `data.delete`: deletes the record (with `ifVersion`, only at that version). `ifVersion` has a
   * default rather than `?`: the argument checker takes a `?` parameter without one as required.
   */
  @Action({ name: '$delete' })
  $delete(ifVersion: number | undefined = undefined): boolean {
    this.require();
    if (ifVersion !== undefined && ifVersion !== this.version) throw conflict(this.version, `the record is at version ${this.version}, not ${ifVersion}`);
    this.value = null;
    return true;
  }

  /**
   * Changes nothing. Like every turn it first appends what an earlier turn committed but did not
   * append (its node died): nodes call it for records whose changes wait too long.
   */
  @Action({ name: '$sync' })
  $sync(): number {
    return this.version;
  }
}

function checkObject(value: unknown, field: string, json = true): RecordValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RequestRefusedError('INVALID_ARGUMENTS', `${field} must be a JSON object`, { field });
  }
  try {
    if (json) JSON.stringify(value);
  } catch {
    // e.g. a BigInt a msgpack client sent: not JSON, so the client's fault, not the record's
    throw new RequestRefusedError('INVALID_ARGUMENTS', `${field} must be a JSON object (it holds a value JSON cannot carry)`, { field });
  }
  return value as RecordValue;
}

function checkChange(change: unknown): { set?: RecordValue; value?: RecordValue; ifVersion?: number } {
  const c = checkObject(change, 'params', false) as { set?: unknown; value?: unknown; ifVersion?: unknown };
  if ((c.set === undefined) === (c.value === undefined)) {
    throw new RequestRefusedError('INVALID_ARGUMENTS', 'give either set (fields to merge) or value (the whole record)', { field: 'set' });
  }
  if (c.ifVersion !== undefined && (!Number.isSafeInteger(c.ifVersion) || (c.ifVersion as number) < 0)) {
    throw new RequestRefusedError('INVALID_ARGUMENTS', 'ifVersion must be a whole number >= 0', { field: 'ifVersion' });
  }
  return {
    ...(c.set === undefined ? {} : { set: checkObject(c.set, 'set') }),
    ...(c.value === undefined ? {} : { value: checkObject(c.value, 'value') }),
    ...(c.ifVersion === undefined ? {} : { ifVersion: c.ifVersion as number }),
  };
}

function conflict(version: number, message: string): RequestRefusedError {
  return new RequestRefusedError('VERSION_CONFLICT', message, { version });
}

/** NOT_FOUND for a record of a collection. */
export function notFound(collection: string, id: string): RequestRefusedError {
  return new RequestRefusedError('NOT_FOUND', `no record ${JSON.stringify(id)} in collection ${collection}`, { collection, id });
}
