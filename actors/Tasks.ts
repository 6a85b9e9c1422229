import { Action, Allow, Collection, DataRecord, Query } from '../src';

/** A task record. */
export interface TaskValue {
  title: string;
  status: 'open' | 'doing' | 'done';
  owner?: string;
  priority?: number;
  [field: string]: unknown;
}

/**
 * The `tasks` collection, open to anyone (also with auth on: `@Allow('public')`): records with a title, a status, an owner and a priority,
 * indexed on status and owner. `data.*` works on it as it is; `claim` and `finish` are its own
 * actions (one turn on one record, notifying watchers like any change).
 *
 * curl -X POST localhost:8080/data/tasks -H 'content-type: application/json' -d '{"id":"t1","value":{"title":"Write docs","status":"open","priority":2}}'
 * curl 'localhost:8080/data/tasks?where=status%20%3D%20%27open%27&orderBy=-priority&limit=10'
 * curl -N 'localhost:8080/data/tasks/events?where=status%20%3D%20%27open%27'
 * curl -X POST localhost:8080/actors/tasks/t1/claim -H 'content-type: application/json' -d '["ada"]'
 */
@Allow('public')
@Collection('tasks', {
  indexes: ['status', 'owner'],
  schema: {
    type: 'object',
    required: ['title', 'status'],
    properties: {
      title: { type: 'string', minLength: 1, maxLength: 200 },
      status: { enum: ['open', 'doing', 'done'] },
      owner: { type: 'string' },
      priority: { type: 'integer', minimum: 0, maximum: 9 },
    },
  },
})
export class Task extends DataRecord<TaskValue> {
  /** Takes an open task: it becomes `doing`, owned by `owner`. */
  @Action()
  claim(owner: string): TaskValue {
    const task = this.require();
    if (task.status !== 'open') throw new Error(`task is ${task.status}, not open`);
    task.status = 'doing';
    task.owner = owner;
    return task;
  }

  /** Marks the task done. */
  @Action()
  finish(): void {
    this.require().status = 'done';
  }

  /** Whether the task is open. */
  @Query()
  isOpen(): boolean {
    return this.value?.status === 'open';
  }
}
