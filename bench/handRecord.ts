/**
 * The hand-written server's counter record (handServer.ts), shared with the bench that seeds and
 * reads it back: `{"value":n}` as JSON, padded with spaces to the length of a real `actor.Counter`
 * record, so both sides move Buffers of the same size (JSON.parse ignores the trailing spaces).
 */

/** The IMap the hand-written server keeps its counters in (keys: the actor ids of the pairs). */
export const HAND_MAP = 'hand.Counter';

export function encodeCount(value: number, bytes: number): Buffer {
  const json = JSON.stringify({ value });
  return Buffer.from(json.length < bytes ? json.padEnd(bytes) : json);
}

export function decodeCount(record: Buffer): number {
  const { value } = JSON.parse(record.toString()) as { value?: unknown };
  if (typeof value !== 'number') throw new Error(`not a counter record: ${record.toString()}`);
  return value;
}
