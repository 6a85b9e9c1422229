import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient, type DestinationMessage } from '../../src/client';
import { ActorGridError } from '../../src/errors';
import { Tiny } from '../fixtures/testDestinations';
import { codeOf } from '../support/codeOf';
import { Inbox } from '../support/notifications';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { waitFor } from '../support/waitFor';

/**
 * The compact form of destination notifications (docs/protocol.md): `destination.subscribe {…,
 * compact: true}` gets a short per-connection id and positional params, in JSON and msgpack, with
 * gaps, resume and the client library; subscribers in the named form on the same node are unaffected.
 */
export function destinationCompactSuite(setup: () => GridSetup): void {
  describe('Destinations in the compact form, across 2 nodes', function () {
    this.timeout(120000);
    const suite = new SuiteNodes(setup, {
      defaults: { destinations: { names: ['feed', 'open'] } },
      classes: { destinations: [Tiny] },
      inbox: (c) => new Inbox(c),
    });
    const client = (n: ActorGridNode, encoding?: 'json' | 'msgpack') => suite.client(n, encoding);
    const subscribe = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<{ subscription: string; seq: number }>('destination.subscribe', params);
    const publish = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<{ seq: number }>('destination.publish', params);

    let a: ActorGridNode, b: ActorGridNode;
    before(async () => ([a, b] = await suite.start(['a', 'b'])));
    after(() => suite.close());

    it('numbers compact subscriptions per connection and sends positional params, in JSON and msgpack, beside named subscribers', async function () {
      const pub = await client(a);
      const json = await client(b);
      const msgpack = await client(b, 'msgpack');
      const named = await client(b);
      const subJ = await subscribe(json.c, { destination: 'feed', compact: true });
      const subJ2 = await subscribe(json.c, { destination: 'feed', compact: true, subtopic: 'rooms.*' });
      const subM = await subscribe(msgpack.c, { destination: 'feed', compact: true });
      const subN = await subscribe(named.c, { destination: 'feed', compact: null });
      assert.deepEqual([subJ.subscription, subJ2.subscription, subM.subscription], ['1', '2', '1'], 'short ids, unique per connection');
      assert.match(subN.subscription, /^[0-9a-f]{32}$/, 'compact: null counts as absent');
      const plain = await publish(pub.c, { destination: 'feed', body: { n: 1 } });
      const headed = await publish(pub.c, { destination: 'feed', body: 'h', headers: { lang: 'en' } });
      const topical = await publish(pub.c, { destination: 'feed', body: 0, subtopic: 'rooms.a' });
      const all = [plain.seq, headed.seq, topical.seq];
      await waitFor('3 messages each', () =>
        [json.inbox.messages('1'), msgpack.inbox.messages('1'), named.inbox.messages(subN.subscription)].every((got) => got.filter((m) => all.includes(m.seq)).length === 3),
      );
      for (const inbox of [json.inbox, msgpack.inbox]) {
        const wire = inbox.compact('1').filter((p) => all.includes(p[1] as number));
        assert.deepEqual(wire.map((p) => [p[0], p[1], p[3], ...p.slice(4)]), [
          ['1', plain.seq, { n: 1 }],
          ['1', headed.seq, 'h', { lang: 'en' }],
          ['1', topical.seq, 0, {}, 'rooms.a'],
        ]);
        assert.ok(wire.every((p) => typeof p[2] === 'number'), 'publishedAt third');
      }
      assert.deepEqual(json.inbox.compact('2').map((p) => p[1]), [topical.seq], 'the second subscription has its own id and filter');
      const namedGot = named.inbox.messages(subN.subscription).filter((m) => all.includes(m.seq));
      assert.deepEqual(namedGot.map((m) => [m.destination, m.seq, m.body]), [['feed', plain.seq, { n: 1 }], ['feed', headed.seq, 'h'], ['feed', topical.seq, 0]]);
      assert.equal(named.inbox.compact(subN.subscription).length, 0, 'named subscribers get the named form');
      await json.c.rpc('destination.unsubscribe', { subscription: '1' });
      assert.equal(await codeOf(json.c.rpc('destination.unsubscribe', { subscription: '1' })), 'INVALID_ARGUMENTS');
      assert.equal((await subscribe(json.c, { destination: 'feed', compact: true })).subscription, '3', 'ids are never reused on a connection');
    });

    it('sends a compact gap first when a resume asks for messages past retention', async function () {
      const pub = await client(a);
      const seqs: number[] = [];
      while (seqs.length < 30) seqs.push((await publish(pub.c, { destination: 'tiny', body: seqs.length })).seq);
      const firstSeq = seqs[0];
      const sub = await client(b, 'msgpack');
      const s = await subscribe(sub.c, { destination: 'tiny', after: firstSeq - 1, compact: true });
      const tail = s.seq;
      await waitFor('16 retained messages', () => sub.inbox.messages(s.subscription).length >= 16);
      const wire = sub.inbox.compact(s.subscription);
      assert.deepEqual(wire[0], [s.subscription, firstSeq, tail - 16], 'destination.gap [subscription, from, to] comes first');
      assert.deepEqual(sub.inbox.trace(s.subscription).slice(1), Array.from({ length: 16 }, (_, i) => `m${tail - 15 + i}`));
    });

    it('resumes on another node with `after`, compact, without gap or duplicate', async function () {
      const pub = await client(a);
      const first = await client(a);
      const sub1 = await subscribe(first.c, { destination: 'open', compact: true });
      const published: number[] = [];
      for (let i = 0; i < 10; i++) published.push((await publish(pub.c, { destination: 'open', body: i })).seq);
      await waitFor('the first 10', () => first.inbox.messages(sub1.subscription).length >= 10);
      await first.c.close();
      const seen = first.inbox.messages(sub1.subscription).map((m) => m.seq);
      for (let i = 10; i < 20; i++) published.push((await publish(pub.c, { destination: 'open', body: i })).seq);
      const second = await client(b);
      const sub2 = await subscribe(second.c, { destination: 'open', after: seen[seen.length - 1], compact: true });
      published.push((await publish(pub.c, { destination: 'open', body: 20 })).seq);
      await waitFor('the rest', () => second.inbox.messages(sub2.subscription).length >= published.length - seen.length);
      assert.deepEqual([...seen, ...second.inbox.messages(sub2.subscription).map((m) => m.seq)], published);
      assert.deepEqual(second.inbox.gaps(sub2.subscription), []);
    });

    it('hands the client library the same messages in the compact form', async function () {
      const pub = await client(a);
      const sub = await client(b);
      const got: DestinationMessage[] = [];
      const subscription = await sub.c.destination('feed').subscribe((m) => got.push(m), { subtopic: 'lib.*' });
      const one = await publish(pub.c, { destination: 'feed', body: { x: 1 }, subtopic: 'lib.a', headers: { k: 'v' } });
      const two = await publish(pub.c, { destination: 'feed', body: 'two', subtopic: 'lib.b' });
      await waitFor('2 messages', () => got.length >= 2);
      assert.deepEqual(got.map(({ publishedAt, ...m }) => (assert.equal(typeof publishedAt, 'number'), m)), [
        { destination: 'feed', seq: one.seq, subtopic: 'lib.a', headers: { k: 'v' }, body: { x: 1 } },
        { destination: 'feed', seq: two.seq, subtopic: 'lib.b', headers: {}, body: 'two' },
      ]);
      assert.equal(sub.inbox.compact('1').length, 2, 'it subscribed compact: the wire carried positional params');
      assert.equal(subscription.lastSeq, two.seq);
      await subscription.unsubscribe();
    });

    it('refuses a compact flag that is not a boolean', async function () {
      const { c } = await client(a);
      for (const compact of ['yes', 1, {}]) {
        const err = await subscribe(c, { destination: 'feed', compact }).catch((e: ActorGridError) => e);
        assert.ok(err instanceof ActorGridError);
        assert.equal(err.code, 'INVALID_ARGUMENTS');
        assert.equal(err.data?.field, 'compact');
      }
      assert.equal((await subscribe(c, { destination: 'feed', compact: false })).subscription.length, 32, 'compact: false is the named form');
    });
  });
}
