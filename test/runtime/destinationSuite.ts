import { strict as assert } from 'node:assert';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import type { Config, DeepPartial } from '../../src/config';
import { ActorGridError } from '../../src/errors';
import { StoredMessageCodec } from '../../src/destinations/StoredMessage';
import { Gate } from '../fixtures/testActors';
import { Announcer, Guarded, Small, Tiny } from '../fixtures/testDestinations';
import { Inbox } from '../support/notifications';
import { RawWsClient } from '../support/RawWsClient';
import { readSse } from '../support/sse';
import { SuiteNodes, type GridSetup } from '../support/suiteNodes';
import { codeOf } from '../support/codeOf';
import { tcpSocketOf } from '../support/slowReader';
import { uniqueName, waitFor } from '../support/waitFor';

/**
 * Publish/subscribe across three nodes on one grid: order, filters, resume on another node, gaps,
 * SSE, backpressure, publishing from actors, and bad input.
 */
export function destinationSuite(setup: () => GridSetup): void {
  describe(`Destinations across 3 nodes`, function () {
    this.timeout(120000);
    const suite = new SuiteNodes(setup, {
      defaults: { destinations: { names: ['feed', 'open'] } },
      classes: { actors: [Announcer, Gate], destinations: [Tiny, Small, Guarded] },
      inbox: (c) => new Inbox(c),
    });
    const node = (id: string, extra?: DeepPartial<Config>) => suite.node(id, extra);
    const client = (n: ActorGridNode, encoding?: 'json' | 'msgpack') => suite.client(n, encoding);

    const subscribe = (c: ActorGridClient, params: Record<string, unknown>) =>
      c.rpc<{ subscription: string; seq: number }>('destination.subscribe', params);
    const publish = (c: ActorGridClient, params: Record<string, unknown>) => c.rpc<{ seq: number }>('destination.publish', params);

    let a: ActorGridNode, b: ActorGridNode, c3: ActorGridNode;
    before(async () => ([a, b, c3] = await suite.start(['a', 'b', 'c'])));
    after(() => suite.close());

    it('delivers what a publisher on one node sends to subscribers on the others, in publish order', async function () {
      const pub = await client(a);
      const onB = await client(b);
      const onC = await client(c3, 'msgpack');
      const subB = await subscribe(onB.c, { destination: 'open' });
      const subC = await subscribe(onC.c, { destination: 'open' });
      const seqs: number[] = [];
      for (let i = 0; i < 40; i++) {
        const via = i % 2 ? publish(pub.c, { destination: 'open', body: { i }, headers: { i } }) : postMessage(a.url, 'open', { body: { i }, headers: { i } });
        seqs.push((await via).seq);
      }
      assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => seqs[0] + i), 'consecutive sequences');
      for (const [inbox, sub] of [[onB.inbox, subB], [onC.inbox, subC]] as const) {
        await waitFor(`40 messages on ${suite.gridName}`, () => inbox.messages(sub.subscription).length >= 40);
        const got = inbox.messages(sub.subscription);
        assert.deepEqual(got.map((m) => (m.body as { i: number }).i), Array.from({ length: 40 }, (_, i) => i));
        assert.deepEqual(got.map((m) => m.seq), seqs);
        assert.equal(inbox.gaps(sub.subscription).length, 0);
        assert.equal(got[0].destination, 'open');
        assert.equal(typeof got[0].publishedAt, 'number');
      }
    });

    it('filters by subtopic pattern and header selector', async function () {
      const pub = await client(a);
      const sub = await client(b);
      const rooms = await subscribe(sub.c, { destination: 'feed', subtopic: 'rooms.*', selector: "lang = 'en' AND n >= 2" });
      const deep = await subscribe(sub.c, { destination: 'feed', subtopic: 'rooms.#' });
      const tag = uniqueName('t');
      const send = (subtopic: string | undefined, lang: string, n: number) =>
        publish(pub.c, { destination: 'feed', body: `${subtopic}/${lang}/${n}`, headers: { lang, n, tag }, ...(subtopic ? { subtopic } : {}) });
      await send('rooms.lobby', 'en', 1);
      await send('rooms.lobby', 'en', 2);
      await send('rooms.lobby', 'fr', 3);
      await send('rooms.lobby.sub', 'en', 4);
      await send('other', 'en', 5);
      await send(undefined, 'en', 6);
      await send('rooms.kitchen', 'en', 7);
      await send('rooms', 'en', 8);
      await waitFor('filtered messages', () => sub.inbox.messages(rooms.subscription).length >= 2 && sub.inbox.messages(deep.subscription).length >= 6);
      // a marker all subscriptions would see proves nothing else is on its way
      await send('rooms.end', 'en', 99);
      await waitFor('the marker', () => sub.inbox.messages(rooms.subscription).some((m) => m.body === 'rooms.end/en/99'));
      assert.deepEqual(sub.inbox.messages(rooms.subscription).map((m) => m.body), ['rooms.lobby/en/2', 'rooms.kitchen/en/7', 'rooms.end/en/99']);
      assert.deepEqual(sub.inbox.messages(deep.subscription).map((m) => m.body), [
        'rooms.lobby/en/1', 'rooms.lobby/en/2', 'rooms.lobby/fr/3', 'rooms.lobby.sub/en/4', 'rooms.kitchen/en/7', 'rooms/en/8', 'rooms.end/en/99',
      ]);
      assert.equal(sub.inbox.gaps(rooms.subscription).length, 0, 'filtered-out messages are not gaps');
    });

    it('stops delivery on unsubscribe', async function () {
      const pub = await client(a);
      const sub = await client(c3);
      const first = await subscribe(sub.c, { destination: 'feed' });
      const second = await subscribe(sub.c, { destination: 'feed' });
      await publish(pub.c, { destination: 'feed', body: 'before' });
      await waitFor('before', () => sub.inbox.messages(first.subscription).length === 1);
      assert.equal(await sub.c.rpc('destination.unsubscribe', { subscription: first.subscription }), true);
      await publish(pub.c, { destination: 'feed', body: 'after' });
      await waitFor('after on the other subscription', () => sub.inbox.messages(second.subscription).length === 2);
      assert.deepEqual(sub.inbox.messages(first.subscription).map((m) => m.body), ['before']);
      assert.equal(await codeOf(sub.c.rpc('destination.unsubscribe', { subscription: first.subscription })), 'INVALID_ARGUMENTS');
    });

    it('resumes on another node after a disconnect, with `after`, without gap or duplicate', async function () {
      const pub = await client(a);
      const first = await client(b);
      const sub1 = await subscribe(first.c, { destination: 'open' });
      const published: number[] = [];
      for (let i = 0; i < 10; i++) published.push((await publish(pub.c, { destination: 'open', body: i })).seq);
      await waitFor('the first 5', () => first.inbox.messages(sub1.subscription).length >= 5);
      await first.c.close();
      const seen = first.inbox.messages(sub1.subscription).map((m) => m.seq);
      const last = seen[seen.length - 1];
      for (let i = 10; i < 20; i++) published.push((await publish(pub.c, { destination: 'open', body: i })).seq);
      const second = await client(c3);
      const sub2 = await subscribe(second.c, { destination: 'open', after: last });
      // live messages interleave with the replay
      const live = publish(pub.c, { destination: 'open', body: 20 });
      published.push((await live).seq);
      await waitFor('the rest', () => second.inbox.messages(sub2.subscription).length >= published.filter((s) => s > last).length);
      assert.deepEqual([...seen, ...second.inbox.messages(sub2.subscription).map((m) => m.seq)], published);
      assert.deepEqual(second.inbox.gaps(sub2.subscription), []);
    });

    it('sends a gap first when a resume asks for messages past retention', async function () {
      const pub = await client(a);
      let firstSeq = -1;
      for (let i = 0; i < 30; i++) {
        const { seq } = await publish(pub.c, { destination: 'tiny', body: i });
        if (i === 0) firstSeq = seq;
      }
      const sub = await client(b);
      const s = await subscribe(sub.c, { destination: 'tiny', after: firstSeq - 1 });
      const tail = s.seq;
      await waitFor('16 retained messages', () => sub.inbox.messages(s.subscription).length >= 16);
      const trace = sub.inbox.trace(s.subscription);
      assert.equal(trace[0], `gap${firstSeq}-${tail - 16}`, 'the lost range comes first');
      assert.deepEqual(trace.slice(1), Array.from({ length: 16 }, (_, i) => `m${tail - 15 + i}`));
    });

    it('delivers over Server-Sent Events and resumes with Last-Event-ID', async function () {
      const pub = await client(a);
      const seqs: number[] = [];
      for (let i = 0; i < 3; i++) seqs.push((await publish(pub.c, { destination: 'feed', body: `sse${i}`, subtopic: 'sse.x' })).seq);
      const replay = await readSse(`${b.url}/destinations/feed/events?subtopic=sse.*`, { 'last-event-id': String(seqs[0]) }, (ev) => ev.length >= 2);
      assert.deepEqual(replay.map((e) => [e.event, e.id]), [['message', String(seqs[1])], ['message', String(seqs[2])]]);
      assert.equal(JSON.parse(replay[0].data!).body, 'sse1');
      // live: subscribe, then publish
      const livePromise = readSse(`${c3.url}/destinations/feed/events?selector=${encodeURIComponent("kind = 'live'")}`, {}, (ev) => ev.length >= 1);
      await waitFor('the SSE subscription', async () => {
        await publish(pub.c, { destination: 'feed', body: 'live', headers: { kind: 'live' } });
        return Promise.race([livePromise.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
      });
      const live = await livePromise;
      assert.equal(JSON.parse(live[0].data!).body, 'live');
      const bad = await fetch(`${a.url}/destinations/feed/events?selector=${encodeURIComponent('a = ')}`);
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'INVALID_ARGUMENTS');
      assert.equal((await fetch(`${a.url}/destinations/nope/events`)).status, 404);
    });

    it('keeps a slow subscriber from holding back a fast one, and tells it what it skipped', async function () {
      const slowNode = await node('slow', { destinations: { maxBufferedBytes: 4096 } });
      const fast = await client(slowNode);
      const slow = await client(slowNode);
      const fastSub = await subscribe(fast.c, { destination: 'open' });
      const slowSub = await subscribe(slow.c, { destination: 'open' });
      const socket = tcpSocketOf(slow.c);
      socket.pause();
      const pub = await client(a);
      // enough to fill the loopback socket buffers (several MB) so that the node's send buffer grows
      const big = 'x'.repeat(60000);
      const n = 300;
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) seqs.push((await publish(pub.c, { destination: 'open', body: { i, big } })).seq);
      await waitFor('the fast subscriber to get all', () => fast.inbox.messages(fastSub.subscription).length >= n);
      assert.deepEqual(fast.inbox.messages(fastSub.subscription).map((m) => m.seq), seqs);
      socket.resume();
      // a last message once the slow one has drained, so that its pending gap is sent
      await waitFor('the slow subscriber to catch up', async () => {
        await publish(pub.c, { destination: 'open', body: 'tick' });
        return slow.inbox.gaps(slowSub.subscription).length > 0;
      }, 30000, 200);
      const trace = slow.inbox.trace(slowSub.subscription);
      const seqsSeen = slow.inbox.messages(slowSub.subscription).map((m) => m.seq);
      assert.ok(seqsSeen.length < n, `the slow subscriber skipped some (${seqsSeen.length} of ${n})`);
      assert.deepEqual([...seqsSeen].sort((x, y) => x - y), seqsSeen, 'in order');
      assert.equal(new Set(seqsSeen).size, seqsSeen.length, 'no duplicates');
      // every published sequence is either delivered or inside a reported gap
      const gaps = slow.inbox.gaps(slowSub.subscription);
      for (const seq of seqs) {
        assert.ok(seqsSeen.includes(seq) || gaps.some((g) => g.from <= seq && seq <= g.to), `seq ${seq} neither delivered nor reported: ${trace.join(' ')}`);
      }
    });

    it('publishes from actors only when their call commits', async function () {
      const sub = await client(b);
      const s = await subscribe(sub.c, { destination: 'feed', selector: 'n IS NOT NULL OR from IS NOT NULL' });
      const caller = await client(a);
      const id = uniqueName('ann');
      assert.equal(await caller.c.call('Announcer', id, 'say', ['one']), 1);
      assert.equal(await codeOf(caller.c.call('Announcer', id, 'say', ['two', true])), 'ACTOR_ERROR');
      assert.equal(await caller.c.call('Announcer', id, 'say', ['three']), 2);
      assert.equal(await codeOf(caller.c.call('Announcer', id, 'badPublish')), 'ACTOR_ERROR');
      await waitFor('two messages', () => sub.inbox.messages(s.subscription).length >= 2);
      assert.deepEqual(sub.inbox.messages(s.subscription).map((m) => (m.body as { text: string }).text), ['one', 'three']);
      assert.deepEqual(sub.inbox.messages(s.subscription).map((m) => m.headers.n), [1, 2]);
    });

    it('checks what an actor publishes inside its turn: a refused message fails the call and changes nothing, the next one goes out', async function () {
      const sub = await client(b);
      const s = await subscribe(sub.c, { destination: 'small' });
      const caller = await client(a);
      const id = uniqueName('ann');
      const tooBig = await caller.c.call('Announcer', id, 'sayTo', ['small', 'x'.repeat(1000)]).catch((e: unknown) => e);
      assert.ok(tooBig instanceof ActorGridError && tooBig.code === 'ACTOR_ERROR', `ACTOR_ERROR, got ${String(tooBig)}`);
      assert.equal(tooBig.data?.cause, 'PAYLOAD_TOO_LARGE');
      const refused = await caller.c.call('Announcer', id, 'sayTo', ['guarded', 'no token']).catch((e: unknown) => e);
      assert.ok(refused instanceof ActorGridError && refused.data?.cause === 'FORBIDDEN', `FORBIDDEN as the cause, got ${String(refused)}`);
      assert.equal(await caller.c.call('Announcer', id, 'peek', ['']), 0, 'the refused calls changed nothing');
      assert.equal(await caller.c.call('Announcer', id, 'sayTo', ['small', 'fits']), 1);
      await waitFor('the accepted message', () => sub.inbox.messages(s.subscription).length >= 1);
      assert.deepEqual(sub.inbox.messages(s.subscription).map((m) => (m.body as { text: string }).text), ['fits']);
    });

    it('refuses at publish a message some wire format cannot carry, and stores nothing', async function () {
      const { c } = await client(a);
      const before = (await publish(c, { destination: 'open', body: 'before' })).seq;
      // a BigInt past 64 bits: JSON has a stand-in (a string), msgpack has none
      const big = await a.destinations.publish('open', { body: { n: 2n ** 70n } }, {}).catch((e: unknown) => e);
      assert.ok(big instanceof ActorGridError, String(big));
      assert.equal(big.code, 'INVALID_ARGUMENTS');
      assert.equal(big.data?.field, 'body');
      // deep enough that a notification frame around it, or a client's decoder, could overflow the stack
      let deep: unknown = 'leaf';
      for (let i = 0; i < 150; i++) deep = [deep];
      const tooDeep = await a.destinations.publish('open', { body: deep }, {}).catch((e: unknown) => e);
      assert.ok(tooDeep instanceof ActorGridError && tooDeep.code === 'INVALID_ARGUMENTS', String(tooDeep));
      assert.deepEqual(tooDeep.data, { field: 'body', maxDepth: 100 });
      // nesting too deep for either encoder, sent by a client as raw JSON text: refused when decoded (limits.maxDepth)
      const raw = await RawWsClient.connect(a.url);
      try {
        const depth = 50000;
        const deep = `{"jsonrpc":"2.0","id":1,"method":"destination.publish","params":{"destination":"open","body":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
        const reply = await raw.request(deep);
        assert.equal(reply.error?.data?.code, 'PARSE_ERROR', JSON.stringify(reply).slice(0, 300));
      } finally {
        await raw.close();
      }
      const after = (await publish(c, { destination: 'open', body: 'after' })).seq;
      assert.equal(after, before + 1, 'nothing was stored in between');
    });

    it('isolates a poison item: subscribers get a gap for it and carry on, each in its own encoding', async function () {
      const json = await client(b);
      const msgpack = await client(b, 'msgpack');
      const subJ = await subscribe(json.c, { destination: 'open' });
      const subM = await subscribe(msgpack.c, { destination: 'open' });
      const stream = b.grid.stream('dest.open', { capacity: b.destinations.registry.get('open').retention });
      // undecodable bytes (0xc1 is never used by msgpack), then a stored body only JSON can carry
      const garbage = await stream.append(Buffer.from([0xc1, 0xc1, 0xc1]));
      const bigBody = await stream.append(new StoredMessageCodec().encode({ b: 2n ** 70n, h: {}, at: Date.now() }));
      const fine = (await publish(json.c, { destination: 'open', body: 'fine' })).seq;
      await waitFor('the fine message on both', () => json.inbox.messages(subJ.subscription).length >= 2 && msgpack.inbox.messages(subM.subscription).length >= 1);
      assert.deepEqual(json.inbox.trace(subJ.subscription), [`gap${garbage}-${garbage}`, `m${bigBody}`, `m${fine}`]);
      assert.equal(json.inbox.messages(subJ.subscription)[0].body, String(2n ** 70n), 'JSON carries it as a decimal string');
      assert.deepEqual(msgpack.inbox.trace(subM.subscription), [`gap${garbage}-${garbage}`, `gap${bigBody}-${bigBody}`, `m${fine}`]);
      // nothing is repeated or reported twice later
      const next = (await publish(json.c, { destination: 'open', body: 'next' })).seq;
      await waitFor('the next message', () => json.inbox.messages(subJ.subscription).length >= 3);
      assert.deepEqual(json.inbox.trace(subJ.subscription).slice(3), [`m${next}`]);
    });

    it('answers a batch with destination.subscribe before any message of that subscription', async function () {
      const { c } = await client(a);
      const first = (await publish(c, { destination: 'feed', body: 'replay-0' })).seq;
      await publish(c, { destination: 'feed', body: 'replay-1' });
      const tag = uniqueName('gate');
      let release!: () => void;
      Gate.waiters.set(tag, new Promise<void>((resolve) => (release = resolve)));
      const raw = await RawWsClient.connect(a.url);
      try {
        // the subscription replays at once; the batch reply waits for the held actor call
        raw.send(
          JSON.stringify([
            { jsonrpc: '2.0', id: 1, method: 'destination.subscribe', params: { destination: 'feed', after: first - 1 } },
            { jsonrpc: '2.0', id: 2, method: 'actor.call', params: { type: 'Gate', id: tag, method: 'hold', args: [tag, 'x'] } },
          ]),
        );
        // round trips on the same socket while the batch is held: time for any early message to arrive
        const frames: any[] = [];
        for (let i = 0; i < 5; i++) {
          raw.send(JSON.stringify({ jsonrpc: '2.0', id: `ping${i}`, method: 'destination.publish', params: { destination: 'small', body: i } }));
          for (;;) {
            const frame = await raw.nextMessage();
            frames.push(frame);
            if (frame.id === `ping${i}`) break;
          }
        }
        release();
        while (!frames.some((f) => Array.isArray(f)) || frames.filter((f) => f.method === 'destination.message').length < 2) frames.push(await raw.nextMessage());
        const batchAt = frames.findIndex((f) => Array.isArray(f));
        const firstMessageAt = frames.findIndex((f) => f.method === 'destination.message');
        assert.ok(batchAt < firstMessageAt, `the batch reply (frame ${batchAt}) comes before the first message (frame ${firstMessageAt})`);
        const subscription = frames[batchAt].find((r: { id: number }) => r.id === 1).result.subscription;
        const messages = frames.filter((f) => f.method === 'destination.message');
        assert.deepEqual(messages.map((m) => [m.params.subscription, m.params.body]), [[subscription, 'replay-0'], [subscription, 'replay-1']]);
      } finally {
        release();
        Gate.waiters.delete(tag);
        await raw.close();
      }
    });

    it('answers bad input with coded errors', async function () {
      const { c, inbox } = await client(a);
      assert.equal(await codeOf(publish(c, { destination: 'nope', body: 1 })), 'UNKNOWN_DESTINATION');
      assert.equal(await codeOf(subscribe(c, { destination: 'nope' })), 'UNKNOWN_DESTINATION');
      const badSelector = await subscribe(c, { destination: 'feed', selector: "lang = 'en' AND" }).catch((e: ActorGridError) => e);
      assert.ok(badSelector instanceof ActorGridError);
      assert.equal(badSelector.code, 'INVALID_ARGUMENTS');
      assert.equal(typeof badSelector.data?.position, 'number');
      assert.equal(await codeOf(subscribe(c, { destination: 'feed', subtopic: 'a.#.b' })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(publish(c, { destination: 'feed', body: 1, subtopic: 'a.*' })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(publish(c, { destination: 'small', body: 'x'.repeat(1000) })), 'PAYLOAD_TOO_LARGE');
      assert.equal(await codeOf(publish(c, { destination: 'feed' })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(publish(c, { destination: 'feed', body: 1, headers: { h: { nested: true } } })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(publish(c, { destination: 'feed', body: 1, extra: true })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(subscribe(c, { subtopic: 'x' })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(subscribe(c, { destination: 'feed', after: 'x' })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(subscribe(c, { destination: 'feed', after: 1e9 })), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(c.rpc('destination.unsubscribe', {})), 'INVALID_ARGUMENTS');
      assert.equal(await codeOf(publish(c, { destination: 'guarded', body: 1 })), 'FORBIDDEN');
      assert.equal(await codeOf(publish(c, { destination: 'guarded', body: 'reject me', headers: { token: 'let-me' } })), 'FORBIDDEN');
      assert.equal(await codeOf(subscribe(c, { destination: 'guarded', selector: "secret = 'x'" })), 'FORBIDDEN');
      const g = await subscribe(c, { destination: 'guarded' });
      await publish(c, { destination: 'guarded', body: 'ok', headers: { token: 'let-me' } });
      const rpc = await fetch(`${a.url}/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'destination.subscribe', params: { destination: 'feed' } }),
      });
      assert.equal(((await rpc.json()) as { error: { data: { code: string } } }).error.data.code, 'INVALID_REQUEST');
      const http = await postMessage(a.url, 'nope', { body: 1 }).catch((e: Error) => e);
      assert.match(String(http), /UNKNOWN_DESTINATION/);
      // the hooks ran: the token is gone and the publisher is named
      await waitFor('the guarded message', () => inbox.messages(g.subscription).length === 1);
      assert.deepEqual(inbox.messages(g.subscription)[0].headers, { via: 'ws' });
      assert.ok((await publish(c, { destination: 'feed', body: 'still fine' })).seq >= 0, 'the connection still serves');
    });
  });
}

/** `POST /destinations/{name}/messages`; rejects with the error body on failure. */
async function postMessage(url: string, destination: string, message: Record<string, unknown>): Promise<{ seq: number }> {
  const res = await fetch(`${url}/destinations/${destination}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  const body = (await res.json()) as { seq: number; error?: { code: string } };
  if (res.status !== 200) throw new Error(`${res.status} ${body.error?.code}`);
  return body;
}
