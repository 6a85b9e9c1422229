import { Destination, type DestinationHooks, type OutgoingMessage } from '../src';

/**
 * The `chat` destination: open to anyone, the last 10,000 messages replayable. Messages are
 * `{body, headers?, subtopic?}`; rooms are subtopics (`rooms.lobby`), and subscribers filter with
 * patterns (`rooms.*`) and selectors over headers (`lang = 'en'`).
 *
 * Long texts are cut to 2,000 characters before they are stored.
 */
@Destination('chat', { retention: 10000, maxMessageBytes: 16384 })
export class Chat implements DestinationHooks {
  transform(message: OutgoingMessage): OutgoingMessage {
    const body = message.body;
    if (typeof body === 'object' && body !== null && typeof (body as { text?: unknown }).text === 'string') {
      const text = (body as { text: string }).text;
      if (text.length > 2000) return { ...message, body: { ...(body as object), text: text.slice(0, 2000) } };
    }
    return message;
  }
}
