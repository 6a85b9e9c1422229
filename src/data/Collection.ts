import { Actor } from '../actor';
import { ClassRecord } from '../actor/ClassRecord';

/** Options of `@Collection`; each setting not given defaults to config `data`. */
export interface CollectionOptions {
  /**
   * Record fields (dotted paths, e.g. `'status'`, `'owner.id'`) the grid indexes, so that queries
   * and watches filtering on them need not scan every record. @default []
   */
  indexes?: string[];
  /** A JSON schema every record must satisfy (ajv); a write that breaks it fails with INVALID_ARGUMENTS and changes nothing. */
  schema?: object;
  /** How many recent changes stay replayable (resume with `after`); rounded up to 16, 1,000, 10,000 or 100,000. @default 10000 */
  retention?: number;
  /** The largest record, as JSON, in bytes. @default 65536 */
  maxValueBytes?: number;
  /** A description, shown in logs. */
  description?: string;
}

/** What `@Collection` recorded. */
export interface CollectionRecord {
  name: string;
  options: CollectionOptions;
}

const RECORDS = new ClassRecord<CollectionRecord>('collection');

/**
 * Declares a collection: an actor type (named `name`) whose every actor is one JSON record, stored
 * in the grid so that it can be queried by its fields (docs/data.md). The class extends
 * `DataRecord<T>`; `data.create/get/update/delete/query` work on it as they are, and its own
 * `@Action`s and `@Query`s run as ordinary turns on one record (`this.value`), notifying watchers
 * like any other change.
 *
 * @example
 * @Collection('tasks', { indexes: ['status', 'owner'], schema: { type: 'object', required: ['title'] } })
 * export class Task extends DataRecord<{ title: string; status: string; owner?: string }> {
 *   @Action() close() { this.require().status = 'done'; }
 * }
 */
export function Collection(name: string, options: CollectionOptions = {}): <C extends new (...args: any[]) => object>(ctor: C) => void {
  const record = RECORDS.decorator({ name, options });
  const actor = Actor(name, options.description === undefined ? {} : { description: options.description });
  return (ctor) => {
    record(ctor);
    actor(ctor);
  };
}

/** The class's own `@Collection` record, if any. */
export function collectionRecordOf(value: unknown): CollectionRecord | undefined {
  return RECORDS.of(value);
}
