import { strict as assert } from 'node:assert';
import { ReminderTable } from '../../src/reminders/ReminderTable';
import type { ReminderRules, StoredReminder } from '../../src/reminders/Reminder';

const RULES: ReminderRules = { maxPerActor: 3, maxPayloadBytes: 16, minPeriodMs: 10, maxTries: 4, backoffMs: 100, maxBackoffMs: 250 };
const table = (stored?: Record<string, StoredReminder>) => new ReminderTable(stored, RULES, (m) => m === 'ring' || m === 'x', (v) => JSON.stringify(v).length);

describe('ReminderTable', function () {
  it('a call\'s changes apply only when committed, and listing shows them before that', function () {
    const t = table();
    const scope = t.scope(() => 1000);
    scope.remind('x', { after: 50 });
    assert.deepEqual(scope.list(), [{ name: 'x', method: 'x', due: 1050, failures: 0 }]);
    assert.equal(t.changed, false);
    assert.equal(t.toRecord(), undefined);
    t.commit(scope.ops);
    assert.deepEqual(t.toRecord(), { x: { m: 'x', at: 1050, due: 1050 } });
    assert.deepEqual(t.earlier(), [{ name: 'x', due: 1050, method: 'x' }]);
  });

  it('the index is written before the commit only for reminders that are new or earlier', function () {
    const t = table({ a: { m: 'ring', at: 500, due: 500 }, b: { m: 'ring', at: 500, due: 500 } });
    const scope = t.scope(() => 0);
    scope.remind('a', { at: 100, method: 'ring' });
    scope.remind('b', { at: 900, method: 'ring' });
    t.commit(scope.ops);
    assert.deepEqual(t.earlier(), [{ name: 'a', due: 100, method: 'ring' }]);
    assert.deepEqual([...t.touched].sort(), ['a', 'b']);
  });

  it('a periodic reminder moves to the first period after now, counting the ones it missed', function () {
    const t = table({ p: { m: 'ring', at: 1000, due: 1000, e: 100 } });
    const fire = t.begin('p', 'ring', 1350);
    assert.ok(fire.fire);
    assert.deepEqual(fire.args[1], { name: 'p', scheduledAt: 1300, missed: 3, attempt: 1, every: 100 });
    t.fired('p', 1350);
    assert.deepEqual(t.get('p'), { m: 'ring', at: 1400, due: 1400, e: 100 });
  });

  it('failed tries back off, doubling up to the cap, and are given up after maxTries', function () {
    const t = table({ r: { m: 'ring', at: 0, due: 0 } });
    assert.deepEqual(t.failed('r', 1000), { gaveUp: false, tries: 1 });
    assert.equal(t.get('r')?.due, 1100);
    t.failed('r', 2000);
    assert.equal(t.get('r')?.due, 2200);
    t.failed('r', 3000);
    assert.equal(t.get('r')?.due, 3250, 'capped at maxBackoffMs');
    const fire = t.begin('r', 'ring', 3300);
    assert.ok(fire.fire);
    assert.equal(fire.args[1].attempt, 4);
    assert.equal(fire.key, 'reminder:r:0:4');
    assert.deepEqual(t.failed('r', 3300), { gaveUp: true, tries: 4 });
    assert.equal(t.get('r'), undefined);
  });

  it('a periodic reminder given up moves on to its next period', function () {
    const t = table({ p: { m: 'ring', at: 0, due: 0, e: 1000, f: 3 } });
    assert.deepEqual(t.failed('p', 10), { gaveUp: true, tries: 4 });
    assert.deepEqual(t.get('p'), { m: 'ring', at: 1000, due: 1000, e: 1000 });
  });

  it('refuses bad options, unknown methods, big payloads and too many reminders', function () {
    const scope = table().scope(() => 0);
    for (const bad of [{}, { at: 1, after: 1 }, { after: -1 }, { at: NaN }, { after: 1, every: 5 }, { after: 1, every: 10.5 }, { after: 1, method: 'nope' }, { after: 1, payload: 'x'.repeat(20) }, { after: 1, payload: 10n }]) {
      assert.throws(() => scope.remind('x', bad as never), { code: 'ACTOR_ERROR' }, JSON.stringify(bad, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    }
    assert.throws(() => scope.remind('', { after: 1 }), { code: 'ACTOR_ERROR' });
    scope.remind('a', { after: 1, method: 'x' });
    scope.remind('b', { after: 1, method: 'x' });
    scope.remind('c', { after: 1, method: 'x' });
    scope.remind('a', { after: 2, method: 'x' }); // replacing is not one more
    assert.throws(() => scope.remind('d', { after: 1, method: 'x' }), /at most 3 reminders/);
  });
});
