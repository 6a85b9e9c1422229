import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { createActorRef, type ActorRef } from '../../src/actor';

class Counter {
  value = 0;
  increment(by: number = 1): number {
    return (this.value += by);
  }
  async label(prefix: string): Promise<string> {
    return `${prefix}${this.value}`;
  }
  then(): void {}
}

/** A ref whose sends are recorded and answered with `reply`. */
function recordingRef(reply: unknown = 'reply') {
  const calls: Array<[string, unknown[]]> = [];
  const ref = createActorRef<Counter>('Counter', 'a', async (method, args) => {
    calls.push([method, args]);
    return reply;
  });
  return { ref, calls };
}

describe('createActorRef', () => {
  it('forwards calls with the method name and arguments, and returns the result', async () => {
    const { ref, calls } = recordingRef(7);
    assert.equal(await ref.increment(2), 7);
    assert.equal(await ref.label('#'), 7);
    assert.deepStrictEqual(calls, [
      ['increment', [2]],
      ['label', ['#']],
    ]);
  });

  it('caches the function of each method', () => {
    const { ref } = recordingRef();
    assert.equal(ref.increment, ref.increment);
    assert.notEqual(ref.increment, ref.label as unknown);
  });

  it('is not a thenable: awaiting a ref fires no call', async () => {
    const { ref, calls } = recordingRef();
    assert.equal((ref as unknown as { then?: unknown }).then, undefined);
    const awaited = await ref;
    assert.equal(awaited, ref);
    assert.equal(await Promise.resolve(ref), ref);
    assert.deepEqual(calls, []);
  });

  it('returns undefined for symbols and reserved names', () => {
    const { ref, calls } = recordingRef();
    const loose = ref as unknown as Record<string | symbol, unknown>;
    for (const symbol of [Symbol.iterator, Symbol.asyncIterator, Symbol.toPrimitive, Symbol.toStringTag, inspect.custom, Symbol('x')]) {
      assert.equal(loose[symbol], undefined, String(symbol));
    }
    for (const name of ['then', 'catch', 'finally', 'toJSON', 'inspect', 'constructor', '__proto__', 'valueOf', 'hasOwnProperty']) {
      assert.equal(loose[name], undefined, name);
    }
    assert.deepEqual(calls, []);
  });

  it('can be stringified, logged and printed without firing a call', () => {
    const { ref, calls } = recordingRef();
    assert.equal(JSON.stringify(ref), '{}');
    assert.equal(JSON.stringify({ ref }), '{"ref":{}}');
    assert.match(inspect(ref), /Counter\/a/);
    assert.equal(String(ref), 'ActorRef(Counter/a)');
    assert.equal(`${ref}`, 'ActorRef(Counter/a)');
    assert.deepEqual(Object.keys(ref), []);
    assert.deepEqual(calls, []);
  });

  it('rejects (never throws synchronously) when the send fails', async () => {
    const ref = createActorRef<Counter>('Counter', 'a', () => {
      throw new Error('boom');
    });
    const pending = ref.increment();
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, /boom/);
  });

  it('is read-only', () => {
    const { ref } = recordingRef();
    assert.throws(() => {
      (ref as unknown as Record<string, unknown>).increment = () => 0;
    }, TypeError);
    assert.throws(() => {
      delete (ref as unknown as Record<string, unknown>).increment;
    }, TypeError);
  });

  it('is typed after the class', async () => {
    const { ref } = recordingRef(3);
    const typed: ActorRef<Counter> = ref;
    const n: number = await typed.increment(1);
    const s: string = await typed.label('x'); // Promise<Promise<string>> is flattened
    assert.equal(n, 3);
    assert.equal(s, 3);
    const untyped = createActorRef('Counter', 'a', async () => 1);
    const anything: unknown = await untyped.whatever(1, 'two');
    assert.equal(anything, 1);
    const compileOnly = false as boolean;
    if (compileOnly) {
      // Compile-time checks only (never run): each line must be a type error.
      // @ts-expect-error wrong argument type
      void typed.increment('x');
      // @ts-expect-error fields are not on refs
      void typed.value;
      // @ts-expect-error then is reserved, so a ref is never a thenable
      void typed.then;
      // @ts-expect-error unknown method
      void typed.nope();
    }
  });
});
