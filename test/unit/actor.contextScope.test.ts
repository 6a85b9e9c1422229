import { strict as assert } from 'node:assert';
import { setImmediate as tick } from 'node:timers/promises';
import { ContextScope } from '../../src/actor/ContextScope';

interface Ctx {
  name: string;
}

const plain = (): { async: boolean } => ({ async: false });
const declaredAsync = (): { async: boolean } => ({ async: true });

describe('ContextScope', () => {
  let scope: ContextScope<Ctx>;
  const a: Ctx = { name: 'a' };
  const b: Ctx = { name: 'b' };
  beforeEach(() => {
    scope = new ContextScope<Ctx>();
  });

  it('gives a plain method its context in its synchronous run, and none after', () => {
    const seen = scope.run(a, () => scope.current(), plain());
    assert.equal(seen, a);
    assert.equal(scope.current(), undefined);
  });

  it('restores the outer context after a nested plain run, also when it throws', () => {
    scope.run(
      a,
      () => {
        assert.throws(() => scope.run(b, () => { assert.equal(scope.current(), b); throw new Error('inner'); }, plain()), /inner/);
        assert.equal(scope.current(), a);
      },
      plain(),
    );
    assert.equal(scope.current(), undefined);
  });

  it('carries an async method\'s context across awaits, and two concurrent ones apart', async () => {
    const method = declaredAsync();
    const run = (ctx: Ctx): Promise<(Ctx | undefined)[]> =>
      scope.run(
        ctx,
        async () => {
          const before = scope.current();
          await tick();
          const middle = scope.current();
          await tick();
          return [before, middle, scope.current()];
        },
        method,
      );
    const [fromA, fromB] = await Promise.all([run(a), run(b)]);
    assert.deepEqual(fromA, [a, a, a]);
    assert.deepEqual(fromB, [b, b, b]);
    assert.equal(scope.current(), undefined);
  });

  it('keeps one async run\'s context while another, shorter one ends', async () => {
    const method = declaredAsync();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const long = scope.run(a, async () => { await gate; return scope.current(); }, method);
    await scope.run(b, async () => { await tick(); }, method);
    release();
    assert.equal(await long, a);
  });

  it('has no context in a continuation that outlives its async run', async () => {
    let later!: Promise<Ctx | undefined>;
    await scope.run(
      a,
      async () => {
        later = tick(5).then(() => scope.current());
      },
      declaredAsync(),
    );
    assert.equal(await later, undefined);
  });

  it('gives an async method run inside a plain one its own context, and the plain one\'s back after', async () => {
    let inner!: Promise<(Ctx | undefined)[]>;
    scope.run(
      a,
      () => {
        inner = scope.run(b, async () => { const first = scope.current(); await tick(); return [first, scope.current()]; }, declaredAsync());
        assert.equal(scope.current(), a);
      },
      plain(),
    );
    assert.deepEqual(await inner, [b, b]);
  });

  it('gives a plain method run from an async one\'s continuation its context, then the async one\'s back', async () => {
    const seen = await scope.run(
      a,
      async () => {
        await tick();
        const inner = scope.run(b, () => scope.current(), plain());
        return [inner, scope.current()];
      },
      declaredAsync(),
    );
    assert.deepEqual(seen, [b, a]);
  });

  it('runs a plain method that returned a promise as an async one from its next call on', async () => {
    const method = plain();
    const chained = (): Promise<Ctx | undefined> => Promise.resolve().then(() => tick()).then(() => scope.current());
    assert.equal(await scope.run(a, chained, method), undefined, 'the first call has its context only in its synchronous run');
    assert.equal(await scope.run(b, chained, method), b);
  });

  it('treats an unknown function as async', async () => {
    assert.equal(await scope.run(a, async () => { await tick(); return scope.current(); }), a);
  });

  it('ends an async run that throws synchronously', async () => {
    assert.throws(() => scope.run(a, () => { throw new Error('sync'); }, declaredAsync()), /sync/);
    assert.equal(scope.current(), undefined);
    assert.equal(await scope.run(b, async () => { await tick(); return scope.current(); }, declaredAsync()), b);
  });
});
