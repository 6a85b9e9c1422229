import type { CallInvoker, CallRequest } from '../../src/actor/CallRequest';
import { ActorGridError, isErrorCode } from '../../src/errors';

/**
 * A stand-in for the runtime's invoker, only for transport tests (no grid is involved): it records
 * each request and acts by method name.
 *
 * - `echo`: returns what it received (type, id, method, args, idempotencyKey).
 * - `fail`: throws the coded error named by `args[0]`.
 * - `crash`: throws a plain Error, which must reach clients as INTERNAL.
 * - `nothing`: returns undefined.
 * - `cyclic`: returns an object that refers to itself, which no codec can encode.
 * - `rich`: returns a Map, a Set, BigInts and a Buffer.
 * - `wait`: resolves with `args[1]` after `args[0]` milliseconds.
 */
export class FakeInvoker implements CallInvoker {
  readonly calls: CallRequest[] = [];
  /** How many `wait` calls run right now, and the most that ever ran at once. */
  running = 0;
  maxRunning = 0;

  async invoke(request: CallRequest): Promise<unknown> {
    this.calls.push(request);
    const { type, id, method, args, idempotencyKey } = request;
    switch (method) {
      case 'echo':
        return { type, id, method, args, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
      case 'fail': {
        const code = isErrorCode(args[0]) ? args[0] : 'ACTOR_ERROR';
        throw new ActorGridError(code, `${code} on purpose`, { actor: `${type}/${id}` });
      }
      case 'crash':
        throw new Error('secret internals: password=hunter2');
      case 'nothing':
        return undefined;
      case 'cyclic': {
        const loop: Record<string, unknown> = { name: 'loop' };
        loop.self = loop;
        return loop;
      }
      case 'rich':
        return { map: new Map([['a', 1]]), set: new Set([1, 2]), small: 10n, huge: 2n ** 70n, bytes: Buffer.from('hi') };
      case 'wait':
        this.running += 1;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        await new Promise((resolve) => setTimeout(resolve, Number(args[0])));
        this.running -= 1;
        return args[1];
      default:
        throw new ActorGridError('UNKNOWN_ACTOR_METHOD', `no method ${method}`, { method });
    }
  }
}
