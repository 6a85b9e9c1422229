import type WebSocket from 'ws';

/** One request from its caller's point of view: it may go out several times (same key). */
export interface Op {
  method: string;
  params: unknown;
  /** Names it in errors, e.g. `Counter/hits.increment`. */
  what: string;
  /** Safe to send again: an `actor.call` with its idempotency key, on a reconnecting client. */
  resendable: boolean;
  deadline: number;
  timeoutMs: number;
  attempts: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The wire id and connection of its latest send, while it waits for that reply. */
  wireId: number | undefined;
  socket: WebSocket | undefined;
}

/** A fresh idempotency key: random, so two clients never share one. */
export function newIdempotencyKey(): string {
  return `c-${globalThis.crypto.randomUUID()}`;
}

export function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
