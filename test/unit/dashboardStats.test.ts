import { strict as assert } from 'node:assert';
import { DashboardStats } from '../../src/ops/DashboardStats';

/**
 * The dashboard's per-node numbers: calls per second and p99 per type over a 10-second window,
 * the busiest actors, the latest errors — counted into per-second aggregates.
 */
describe('DashboardStats', function () {
  const realNow = Date.now;
  let now = 1_000_000_000_000;
  beforeEach(() => {
    Date.now = () => now;
  });
  afterEach(() => {
    Date.now = realNow;
  });
  const stats = () => new DashboardStats('n1', () => 'http://n1', { destinations: () => new Map(), connections: () => ({ ws: 0, sse: 0 }) });

  it('counts calls per type, their p99 (to the histogram bucket) and errors, and the busiest actors', function () {
    const s = stats();
    for (let i = 0; i < 99; i++) s.call('Counter', 'increment', undefined, 0.002, `c${i % 3}`);
    s.call('Counter', 'increment', undefined, 0.5, 'c0'); // the slowest 1 %
    s.call('Account', 'withdraw', { code: 'ACTOR_ERROR' }, 0.001, 'a1');
    const snap = s.snapshot();
    const counter = snap.calls.find((c) => c.type === 'Counter')!;
    assert.equal(counter.perSec, 10); // 100 calls over the 10-second window
    assert.ok(counter.p99Ms >= 2 && counter.p99Ms <= 2 * 1.2, `p99 ${counter.p99Ms}`);
    assert.deepEqual(snap.calls.find((c) => c.type === 'Account'), { type: 'Account', perSec: 0.1, p99Ms: 1.1, errors: 1 });
    assert.deepEqual(snap.busiest.slice(0, 2), [{ actor: 'Counter/c0', calls: 34 }, { actor: 'Counter/c1', calls: 33 }]);
    assert.deepEqual(snap.errors.map((e) => [e.code, e.what]), [['ACTOR_ERROR', 'Account.withdraw']]);
  });

  it('sums the busiest actors of each second over the window', function () {
    const s = stats();
    for (let i = 0; i < 30; i++) s.call('Counter', 'increment', undefined, 0.001, `quiet${i}`); // one call each
    for (let i = 0; i < 5; i++) s.call('Counter', 'increment', undefined, 0.001, 'busy');
    now += 1_000;
    for (let i = 0; i < 3; i++) s.call('Counter', 'increment', undefined, 0.001, 'busy');
    for (let i = 0; i < 2; i++) s.call('Account', 'deposit', undefined, 0.001, 'a');
    const busiest = s.snapshot().busiest;
    assert.deepEqual(busiest[0], { actor: 'Counter/busy', calls: 8 });
    assert.equal(busiest.length, 10);
    assert.deepEqual(busiest[1], { actor: 'Account/a', calls: 2 });
    assert.equal(busiest.filter((b) => b.actor.startsWith('Counter/quiet')).length, 8);
  });

  it('forgets calls older than the window', function () {
    const s = stats();
    s.call('Counter', 'increment', undefined, 0.001, 'old');
    now += 5_000;
    s.call('Counter', 'increment', undefined, 0.001, 'new');
    assert.equal(s.snapshot().calls[0].perSec, 0.2);
    now += 6_000;
    assert.deepEqual(s.snapshot().busiest, [{ actor: 'Counter/new', calls: 1 }]);
    now += 10_000;
    assert.deepEqual(s.snapshot().calls, []);
  });
});
