import { ActorGridError, clip } from '../errors';
import type { Codecs } from './Codecs';

/**
 * Checks that `value` can be sent in every wire format (JSON and msgpack, as the node's codecs
 * encode them), so that whatever is stored can later be delivered to any subscriber. Call it before
 * storing anything pushed: a published message's body and headers, a shared object's delta.
 *
 * @throws ActorGridError INVALID_ARGUMENTS with `data.field` = `field` (e.g. a BigInt past 64 bits,
 *   which msgpack cannot carry; a cycle; nesting too deep for either encoder).
 * @example
 * checkDeliverable({ body: message.body, headers: message.headers }, codecs); // field "body"
 */
export function checkDeliverable(value: unknown, codecs: Codecs, field = 'body'): void {
  for (const codec of [codecs.json, codecs.msgpack]) {
    try {
      codec.encode(value);
    } catch (err) {
      // The encoder's own message stays on the cause: it is not the protocol's to show.
      const message = `${clip(field)} cannot be sent as ${codec.name} (a cycle, a BigInt past 64 bits, a symbol or a function?)`;
      throw new ActorGridError('INVALID_ARGUMENTS', message, { field: clip(field), encoding: codec.name }, { cause: err });
    }
  }
}
