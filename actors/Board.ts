import { SharedObject, type SharedObjectHooks, type SharedObjectUpdate } from '../src';

/**
 * The `board.*` shared objects (`board.lobby`, `board.team-7`, …): open to anyone, each a set of
 * slots holding JSON values of up to 64 KiB (at most 1,000 slots), the last 10,000 versions
 * replayable as deltas. A slot named `title` must hold a string.
 *
 * curl -X PATCH localhost:8080/shared/board.lobby -H 'content-type: application/json' -d '{"set":{"title":"Lobby"}}'
 * curl localhost:8080/shared/board.lobby
 * curl -N localhost:8080/shared/board.lobby/events
 */
@SharedObject('board.*', { retention: 10000, maxValueBytes: 65536, maxSlots: 1000 })
export class Boards implements SharedObjectHooks {
  validate(_name: string, update: SharedObjectUpdate): void {
    if (update.set && 'title' in update.set && typeof update.set.title !== 'string') throw new Error('title must be a string');
  }
}
