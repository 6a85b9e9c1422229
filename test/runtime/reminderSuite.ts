import { strict as assert } from 'node:assert';
import type { ActorGridClient } from '../../src/client';
import { Alarm, type Ring } from '../fixtures/testReminders';
import { codeOf } from '../support/codeOf';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { uniqueName, waitFor } from '../support/waitFor';
import type { ActorGridNode } from '../../src/ActorGridNode';

/** Quick reminders for tests: nodes look every 50 ms, retries after 50, 100, 200 ms… */
const REMINDERS = { pollMs: 50, claimMs: 2000, backoffMs: 50, maxBackoffMs: 400, maxTries: 4, minPeriodMs: 50 };

/**
 * Reminders on one grid across in-process nodes (docs/actors.md "Reminders"): one-shot and periodic,
 * payload and info, replaced and cancelled reminders, reminders of calls that fail, retries with
 * backoff and giving up, catch-up after missed periods, many due at once on several nodes (each
 * fired once), and bad use. "Fired once" is checked after the reminder left the actor's record, when
 * no node can fire it any more.
 */
export function reminderSuite(setup: () => GridSetup): void {
  describe('Reminders across 3 nodes', function () {
    this.timeout(60000);
    const suite = new SuiteNodes(setup, { defaults: { reminders: REMINDERS }, classes: { actors: [Alarm] }, inbox: () => undefined });
    let nodes: ActorGridNode[];
    let c: ActorGridClient;

    before(async function () {
      nodes = await suite.start(['rem-a', 'rem-b', 'rem-c']);
      ({ c } = await suite.client(nodes[0]));
    });
    after(() => suite.close());

    const pending = (id: string) => c.call<Array<{ name: string; due: number; failures: number }>>('Alarm', id, 'pending');
    const log = (id: string) => c.call<Ring[]>('Alarm', id, 'log');
    /** Waits until the actor has no reminder left (none can fire any more), then returns its log. */
    const settled = async (id: string): Promise<Ring[]> => {
      await waitFor(`Alarm/${id} to have no reminders`, async () => (await pending(id)).length === 0);
      return log(id);
    };
    /** `actorgrid_reminders_total` of type Alarm and `event`, summed over the nodes. */
    const reminderEvents = async (event: string): Promise<number> => {
      let total = 0;
      for (const n of nodes) {
        const m = new RegExp(`^actorgrid_reminders_total\\{[^}]*event="${event}"[^}]*\\} (\\d+)`, 'm').exec((await n.metrics.scrape()).text);
        total += m ? Number(m[1]) : 0;
      }
      return total;
    };
    const indexEntry = (id: string, name: string) => nodes[0].invoker.reminderIndex.entry('Alarm', id, name);

    it('fires a reminder once, after its time, with its payload and what it stands for', async function () {
      const id = uniqueName('once');
      const setAt = Date.now();
      assert.equal(await c.call('Alarm', id, 'set', ['wake', { after: 150, payload: { note: 'hi' } }]), 1);
      const [listed] = await pending(id);
      assert.equal(listed.name, 'wake');
      assert.ok(listed.due >= setAt + 150);
      const rings = await settled(id);
      assert.equal(rings.length, 1);
      assert.deepEqual({ ...rings[0], firedAt: 0 }, { name: 'wake', payload: { note: 'hi' }, scheduledAt: listed.due, missed: 0, attempt: 1, firedAt: 0 });
      assert.ok(rings[0].firedAt >= listed.due, 'not before its time');
      await waitFor('its index entry to go', async () => (await indexEntry(id, 'wake')) === undefined);
    });

    it('fires at an absolute time (a Date on the wire is epoch ms)', async function () {
      const id = uniqueName('at');
      const at = Date.now() + 100;
      await c.call('Alarm', id, 'set', ['x', { at }]);
      const rings = await settled(id);
      assert.equal(rings.length, 1);
      assert.equal(rings[0].scheduledAt, at);
    });

    it('never fires a reminder set by a call that failed', async function () {
      const id = uniqueName('failed');
      assert.equal(await codeOf(c.call('Alarm', id, 'setThenFail', ['ghost', 20])), 'ACTOR_ERROR');
      // The index got an entry before the (rolled back) write could commit; a node finds it due and drops it.
      await waitFor('the index entry of the failed call to go', async () => (await indexEntry(id, 'ghost')) === undefined);
      await c.call('Alarm', id, 'set', ['probe', { after: 30 }]);
      const rings = await settled(id);
      assert.deepEqual(rings.map((r) => r.name), ['probe']);
    });

    it('cancelling in a call that commits stops it; cancelling in a failing call does not', async function () {
      const id = uniqueName('cancel');
      await c.call('Alarm', id, 'set', ['a', { after: 300 }]);
      await c.call('Alarm', id, 'set', ['b', { after: 300 }]);
      assert.equal(await c.call('Alarm', id, 'cancel', ['a']), true);
      assert.equal(await c.call('Alarm', id, 'cancel', ['nothing']), false);
      assert.equal(await codeOf(c.call('Alarm', id, 'cancelThenFail', ['b'])), 'ACTOR_ERROR');
      assert.deepEqual((await pending(id)).map((r) => r.name), ['b']);
      const rings = await settled(id);
      assert.deepEqual(rings.map((r) => r.name), ['b']);
    });

    it('setting a name again replaces the reminder (moved earlier: fires at the new time, once)', async function () {
      const id = uniqueName('move');
      await c.call('Alarm', id, 'set', ['m', { after: 60000, payload: 1 }]);
      await c.call('Alarm', id, 'set', ['m', { after: 50, payload: 2 }]);
      const rings = await settled(id);
      assert.deepEqual(rings.map((r) => r.payload), [2]);
    });

    it('moved later: fires only at the new time', async function () {
      const id = uniqueName('later');
      await c.call('Alarm', id, 'set', ['m', { after: 30 }]);
      const moved = Date.now();
      await c.call('Alarm', id, 'set', ['m', { after: 400 }]);
      const rings = await settled(id);
      assert.equal(rings.length, 1);
      assert.ok(rings[0].firedAt >= moved + 400);
    });

    it('a periodic reminder fires every period, counted from its due time, until cancelled', async function () {
      const id = uniqueName('every');
      const at = Date.now() + 50;
      await c.call('Alarm', id, 'set', ['tock', { at, every: 100 }]);
      await waitFor('3 periods', async () => (await log(id)).length >= 3);
      await c.call('Alarm', id, 'cancel', ['tock']);
      const rings = await log(id);
      // Each call stands for its period and the ones it missed (a late poll): the due times never drift.
      assert.equal(rings[0].scheduledAt, at + rings[0].missed * 100);
      for (let i = 1; i < rings.length; i++) assert.equal(rings[i].scheduledAt, rings[i - 1].scheduledAt + (rings[i].missed + 1) * 100);
      assert.deepEqual(await pending(id), []);
    });

    it('missed periods come as one catch-up call that says how many it stands for', async function () {
      const id = uniqueName('catchup');
      const at = Date.now() - 1000; // ten periods of 100 ms ago
      await c.call('Alarm', id, 'set', ['late', { at, every: 100 }]);
      await waitFor('two calls', async () => (await log(id)).length >= 2);
      await c.call('Alarm', id, 'cancel', ['late']);
      const [first, second] = await log(id);
      assert.ok(first.missed >= 10, `missed ${first.missed}`);
      assert.equal(first.scheduledAt, at + first.missed * 100);
      assert.equal(second.scheduledAt, first.scheduledAt + (second.missed + 1) * 100);
    });

    it('a reminder whose method throws is tried again with backoff, and given up after reminders.maxTries', async function () {
      const retried = uniqueName('retry');
      await c.call('Alarm', retried, 'failFirst', [2]);
      await c.call('Alarm', retried, 'set', ['r', { after: 10 }]);
      const rings = await settled(retried);
      assert.equal(rings.length, 1);
      assert.equal(rings[0].attempt, 3);
      assert.ok(rings[0].firedAt - rings[0].scheduledAt >= 50 + 100, 'two backoffs passed');

      const gaveUpBefore = await reminderEvents('gaveUp');
      const given = uniqueName('giveup');
      await c.call('Alarm', given, 'failFirst', [REMINDERS.maxTries]);
      await c.call('Alarm', given, 'set', ['g', { after: 10 }]);
      assert.deepEqual(await settled(given), []);
      // Reported: every failed try and the giving up are counted (and logged) by the node that fired it.
      await waitFor('the giving up to be counted', async () => (await reminderEvents('gaveUp')) - gaveUpBefore === 1);
      assert.ok((await reminderEvents('failed')) >= 2 + REMINDERS.maxTries - 1);
    });

    it('shows failed tries in the listing while it waits to try again', async function () {
      const id = uniqueName('failing');
      await c.call('Alarm', id, 'failFirst', [1]);
      await c.call('Alarm', id, 'set', ['f', { after: 10, every: 60000 }]);
      const r = await waitFor('a failed try', async () => (await pending(id)).find((x) => x.failures === 1));
      assert.equal(r?.name, 'f');
      await waitFor('the retry to succeed', async () => (await log(id)).length === 1);
      assert.equal((await pending(id))[0].failures, 0);
      await c.call('Alarm', id, 'cancel', ['f']);
    });

    it('200 reminders due at the same moment on 3 nodes each fire exactly once', async function () {
      const ids = Array.from({ length: 200 }, (_, i) => uniqueName(`many${i}`));
      const at = Date.now() + 300;
      const clients = await Promise.all(nodes.map((n) => suite.client(n)));
      await Promise.all(ids.map((id, i) => clients[i % 3].c.call('Alarm', id, 'set', ['t', { at, method: 'tick' }])));
      for (const id of ids) await waitFor(`Alarm/${id} to tick`, async () => (await pending(id)).length === 0);
      const ticks = await Promise.all(ids.map((id) => c.call<number>('Alarm', id, 'ticks')));
      assert.deepEqual(ticks, ids.map(() => 1));
    });

    it('refuses bad use with clear errors; clients cannot call a @Reminder method', async function () {
      const id = uniqueName('bad');
      const refused = async (options: unknown) => c.call('Alarm', id, 'set', ['x', options]).catch((e: { code?: string; message?: string }) => e);
      for (const bad of [{}, { after: 1, at: Date.now() }, { after: -1 }, { at: 'soon' }, { after: 10, every: 1 }, { after: 10, method: 'nope' }, { after: 10, method: 'log' }]) {
        const err = (await refused(bad)) as { code?: string; message?: string };
        assert.equal(err.code, 'ACTOR_ERROR', JSON.stringify(bad));
        assert.match(err.message ?? '', /reminder x/);
      }
      assert.equal(await codeOf(c.call('Alarm', id, 'set', ['bad name!', { after: 10 }])), 'ACTOR_ERROR');
      assert.equal(await codeOf(c.call('Alarm', id, 'remindFromQuery')), 'ACTOR_ERROR');
      assert.equal(await codeOf(c.call('Alarm', id, 'ring', [null, {}])), 'UNKNOWN_ACTOR_METHOD');
      assert.deepEqual(await pending(id), []);
    });

    it('reminder.list shows an actor\'s reminders over the wire', async function () {
      const id = uniqueName('list');
      await c.call('Alarm', id, 'set', ['later', { after: 60000, payload: [1, 2] }]);
      const listed = await c.rpc<{ reminders: Array<Record<string, unknown>> }>('reminder.list', { type: 'Alarm', id });
      assert.equal(listed.reminders.length, 1);
      assert.deepEqual({ ...listed.reminders[0], due: 0 }, { name: 'later', method: 'ring', due: 0, payload: [1, 2], failures: 0 });
      assert.equal(await codeOf(c.rpc('reminder.list', { type: 'Nope', id })), 'UNKNOWN_ACTOR_TYPE');
      assert.equal(await codeOf(c.rpc('reminder.list', { type: 'Alarm' })), 'INVALID_ARGUMENTS');
      await c.call('Alarm', id, 'cancel', ['later']);
    });
  });
}
