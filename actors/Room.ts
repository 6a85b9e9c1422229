import { Action, Actor, ActorContext, Query, State } from '../src';

/**
 * A chat room that posts to the `chat` destination from inside its turns (`ctx.publish`): a post is
 * counted and published together — a post that fails publishes nothing, and a published message is
 * appended even if the node dies right after the commit (docs/actors.md "What a turn emits").
 *
 * curl -X POST localhost:8080/actors/Room/lobby/post -H 'content-type: application/json' -d '["ann", "hello"]'
 * curl -N 'localhost:8080/destinations/chat/events?subtopic=rooms.lobby'
 */
@Actor('Room')
export class Room {
  @State() posts = 0;

  /** Publishes `{from, text, n}` to `chat` under subtopic `rooms.<room id>`; returns the post's number. */
  @Action()
  post(from: string, text: string): number {
    const ctx = ActorContext.current();
    this.posts += 1;
    ctx.publish('chat', { from, text, n: this.posts }, { subtopic: `rooms.${ctx.actorId}`, headers: { from } });
    return this.posts;
  }

  /** How many posts the room has had. */
  @Query()
  count(): number {
    return this.posts;
  }
}
