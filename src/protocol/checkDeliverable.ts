import { ActorGridError, clip } from '../errors';
import type { Codecs } from './Codecs';

/**
 * How deeply a pushed value may nest (objects, arrays, Maps, Sets). The notification that carries it
 * adds a few levels, and whether an encoder or a decoder overflows the stack near its own limit
 * depends on where it is called from; a fixed limit well below theirs makes "stored" imply
 * "deliverable", on every node and to every client.
 */
export const MAX_PUSH_DEPTH = 100;

/**
 * Checks that `value` can be sent in every wire format (JSON and msgpack, as the node's codecs
 * encode them), so that whatever is stored can later be delivered to any subscriber. Call it before
 * storing anything pushed: a published message's body and headers, a shared object's delta.
 *
 * @throws ActorGridError INVALID_ARGUMENTS with `data.field` = `field` (e.g. a BigInt past 64 bits,
 *   which msgpack cannot carry; a cycle; nesting deeper than {@link MAX_PUSH_DEPTH}).
 * @example
 * checkDeliverable({ body: message.body, headers: message.headers }, codecs); // field "body"
 */
export function checkDeliverable(value: unknown, codecs: Codecs, field = 'body'): void {
  if (tooDeep(value, MAX_PUSH_DEPTH)) {
    throw new ActorGridError('INVALID_ARGUMENTS', `${field} nests deeper than ${MAX_PUSH_DEPTH} levels (or holds a cycle)`, { field, maxDepth: MAX_PUSH_DEPTH });
  }
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

/** Whether containers nest more than `levels` deep (a cycle does too); byte arrays and Dates are leaves. */
function tooDeep(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof Date) return false;
  if (levels === 0) return true;
  const children: Iterable<unknown> = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? value : Object.values(value);
  for (const child of children) if (tooDeep(child, levels - 1)) return true;
  return false;
}
