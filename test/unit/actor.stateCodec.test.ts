import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { StateCodec } from '../../src/actor';

function roundTrip(value: unknown, codec = new StateCodec()): unknown {
  return codec.decode(codec.encode(value));
}

/** A value with one of everything, built fresh on each call. */
function sample(): Record<string, unknown> {
  return {
    n: 1,
    f: 1.5,
    neg: -7,
    s: 'text',
    t: true,
    nil: null,
    arr: [1, 'two', [3], { four: 4 }],
    map: new Map<unknown, unknown>([
      ['a', { inner: new Map([[1, 'one']]) }],
      [2, [new Set(['x'])]],
    ]),
    set: new Set([1, 'b', 3n]),
    at: new Date(1700000000123),
    small: 5n,
    huge: 2n ** 100n,
    bytes: Buffer.from('bytes'),
    nested: { deeper: { deepest: [new Date(0), { u: undefined }] } },
  };
}

describe('StateCodec', () => {
  it('keeps Maps as Maps and plain objects as plain objects', () => {
    const decoded = roundTrip({ m: new Map([['a', 1]]), o: { a: 1 }, e: {}, em: new Map() }) as Record<string, unknown>;
    assert.ok(decoded.m instanceof Map);
    assert.deepStrictEqual(decoded.m, new Map([['a', 1]]));
    assert.equal(Object.getPrototypeOf(decoded.o), Object.prototype);
    assert.deepStrictEqual(decoded.o, { a: 1 });
    assert.deepStrictEqual(decoded.e, {});
    assert.deepStrictEqual(decoded.em, new Map());
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.deepStrictEqual(roundTrip(new Map([['top', 'level']])), new Map([['top', 'level']]));
  });

  it('keeps Map keys of any type', () => {
    const key = { k: 1 };
    const decoded = roundTrip(new Map<unknown, unknown>([[1, 'number'], ['1', 'string'], [true, 'bool'], [key, 'object']])) as Map<unknown, unknown>;
    assert.equal(decoded.get(1), 'number');
    assert.equal(decoded.get('1'), 'string');
    assert.equal(decoded.get(true), 'bool');
    assert.deepStrictEqual([...decoded.keys()][3], key);
  });

  it('round-trips Sets, Dates, BigInts and Buffers as themselves', () => {
    assert.deepStrictEqual(roundTrip(new Set([1, 'a', null])), new Set([1, 'a', null]));
    assert.deepStrictEqual(roundTrip(new Set()), new Set());
    for (const at of [new Date(1700000000123), new Date(0), new Date(-1234567), new Date(Date.UTC(2300, 0, 1, 0, 0, 0, 5))]) {
      const back = roundTrip(at);
      assert.ok(back instanceof Date);
      assert.equal(back.getTime(), at.getTime());
    }
    const bigints = [0n, 5n, -5n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, 2n ** 100n, -(3n ** 300n), 2n ** 5000n];
    for (const big of bigints) assert.equal(roundTrip(big), big, `${big}`);
    const bytes = roundTrip(Buffer.from([0, 1, 2, 255]));
    assert.ok(Buffer.isBuffer(bytes));
    assert.deepStrictEqual(bytes, Buffer.from([0, 1, 2, 255]));
    assert.deepStrictEqual(roundTrip(new Uint8Array([1, 2])), new Uint8Array([1, 2]));
  });

  it('keeps numbers numbers, including large ones and NaN', () => {
    for (const n of [0, 1, -1, 2 ** 31, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, 0.1, Number.NaN, Infinity, -Infinity]) {
      const back = roundTrip(n);
      assert.equal(typeof back, 'number', `${n}`);
      assert.ok(Object.is(back, n), `${n} came back as ${String(back)}`);
    }
  });

  it('round-trips nested values, keeping undefined inside objects and arrays', () => {
    const decoded = roundTrip(sample());
    assert.deepStrictEqual(decoded, sample());
    const withUndefined = roundTrip({ u: undefined, arr: [1, undefined] }) as { u?: unknown; arr: unknown[] };
    assert.ok('u' in withUndefined);
    assert.equal(withUndefined.u, undefined);
    assert.deepStrictEqual(withUndefined.arr, [1, undefined]);
  });

  it('round-trips many object shapes in one value', () => {
    const shapes = Array.from({ length: 150 }, (_, i) => ({ [`key${i}`]: i, inner: { [`k${i}`]: [i] } }));
    assert.deepStrictEqual(roundTrip({ shapes }), { shapes });
  });

  it('is deterministic, whatever was encoded before and on any instance', () => {
    const codec = new StateCodec();
    const first = codec.encode(sample());
    for (let i = 0; i < 200; i++) codec.encode({ [`shape${i}`]: { [`x${i}`]: i }, m: new Map([[i, i]]) });
    assert.ok(codec.encode(sample()).equals(first));
    assert.ok(new StateCodec().encode(sample()).equals(first));
    assert.ok(!codec.encode({ ...sample(), n: 2 }).equals(first));
  });

  it('returns Buffers that later encodes never overwrite', () => {
    const codec = new StateCodec();
    const early = codec.encode(sample());
    const snapshot = Buffer.from(early);
    for (let i = 0; i < 2000; i++) codec.encode({ i, filler: 'x'.repeat(i % 300), bytes: Buffer.alloc(i % 50, i) });
    assert.ok(early.equals(snapshot));
    assert.deepStrictEqual(codec.decode(early), sample());
  });

  it('returns Buffers that own exactly their bytes', () => {
    const codec = new StateCodec();
    const a = codec.encode({ a: 1 });
    const b = codec.encode({ b: 2 });
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, a.length);
    assert.notEqual(a.buffer, b.buffer);
  });

  it('decodes Buffers as copies, so mutating state cannot change the stored bytes', () => {
    const codec = new StateCodec();
    const stored = codec.encode({ bytes: Buffer.from([1, 2, 3]) });
    const snapshot = Buffer.from(stored);
    const state = codec.decode(stored) as { bytes: Buffer };
    state.bytes.fill(9);
    assert.ok(stored.equals(snapshot));
  });

  it('throws a clear error on values it cannot encode, and stays usable', () => {
    const codec = new StateCodec();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => codec.encode(cyclic), /cannot encode actor state/);
    assert.throws(() => codec.encode({ s: Symbol('x') }), /cannot encode actor state/);
    assert.deepStrictEqual(codec.decode(codec.encode({ after: [1] })), { after: [1] });
  });

  it('throws a clear error on bytes it cannot decode', () => {
    const codec = new StateCodec();
    const bytes = codec.encode({ text: 'hello world' });
    assert.throws(() => codec.decode(bytes.subarray(0, bytes.length - 3)), /cannot decode actor state/);
  });
});
