import type { ClientSocket } from './ClientSocket';

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
  socket: ClientSocket | undefined;
}

/**
 * A fresh idempotency key: random, so two clients never share one. Browsers give `randomUUID` only
 * to secure contexts (https, localhost); a page on plain http gets 122 bits from `getRandomValues`.
 */
export function newIdempotencyKey(): string {
  const { crypto } = globalThis;
  if (typeof crypto.randomUUID === 'function') return `c-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `c-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
