import { strict as assert } from 'node:assert';
import { MemoryGrid, type GridStream } from '../../src/grid';
import { Codecs } from '../../src/protocol/Codecs';
import { checkDeliverable, MAX_PUSH_DEPTH } from '../../src/protocol/checkDeliverable';
import { NotificationFrame } from '../../src/protocol/NotificationFrame';
import { FeedHub, PushSubscription, UndeliverableItemError, type FeedSource, type PushSink } from '../../src/push';
import { Logger } from '../../src/runtime/Logger';
import { ActorGridError } from '../../src/errors';
import { uniqueName, waitFor } from '../support/waitFor';

/** Records what one subscription was sent, as `<item>` and `gap<from>-<to>`. */
class RecordingSink implements PushSink<string> {
  bufferedBytes = 0;
  readonly trace: string[] = [];
  /** `send` throws a plain Error (a broken subscriber) for this item. */
  breakOn?: string;
  /** `send` throws UndeliverableItemError for this item. */
  refuse?: string;

  send(item: string): void {
    if (item === this.breakOn) throw new Error('socket exploded');
    if (item === this.refuse) throw new UndeliverableItemError(`cannot send ${item}`);
    this.trace.push(item);
  }

  missed(from: number, to: number): void {
    this.trace.push(`gap${from}-${to}`);
  }
}

describe('push core', () => {
  let grid: MemoryGrid;
  let stream: GridStream;
  let hub: FeedHub<string>;
  let warnings: string[];
  let decoded: number[];
  let source: () => FeedSource<string>;

  const append = async (...items: string[]): Promise<number[]> => {
    const seqs: number[] = [];
    for (const item of items) seqs.push(await stream.append(Buffer.from(item)));
    return seqs;
  };
  const subscribe = (sink: RecordingSink, next: number, filter?: (item: string) => boolean): PushSubscription<string> => {
    const sub = new PushSubscription<string>({ sink, next, maxBufferedBytes: 100, ...(filter ? { filter } : {}) });
    hub.add(stream.name, source, sub, next);
    return sub;
  };

  beforeEach(() => {
    grid = new MemoryGrid();
    stream = grid.stream(uniqueName('push'), { capacity: 16 });
    warnings = [];
    decoded = [];
    hub = new FeedHub<string>(new Logger('warn', 'test', (line) => warnings.push(line)), { readWaitMs: 50 });
    source = () => ({
      stream,
      decode: (bytes, seq) => {
        decoded.push(seq);
        const text = bytes.toString();
        if (text.startsWith('poison')) throw new Error(`cannot decode ${text}`);
        return text;
      },
    });
  });

  afterEach(() => hub.stop());

  it('tells onSent once per item how many subscriptions it was sent to', async () => {
    const counts: Array<[string, number]> = [];
    hub.stop();
    hub = new FeedHub<string>(new Logger('warn', 'test', (line) => warnings.push(line)), { readWaitMs: 50, onSent: (name, n) => counts.push([name, n]) });
    const all = new RecordingSink();
    const some = new RecordingSink();
    const broken = new RecordingSink();
    broken.refuse = 'b';
    subscribe(all, 0);
    subscribe(some, 0, (item) => item !== 'a');
    subscribe(broken, 0);
    await append('a', 'b', 'c');
    await waitFor('c everywhere', () => [all, some, broken].every((s) => s.trace.includes('c')));
    assert.deepEqual(counts, [[stream.name, 2], [stream.name, 2], [stream.name, 3]], 'filtered and undeliverable are not sent');
  });

  it('reports a poison item as a gap to every subscriber, logs it once, decodes each item once and never replays', async () => {
    const one = new RecordingSink();
    const two = new RecordingSink();
    subscribe(one, 0);
    subscribe(two, 0);
    await append('a', 'poison', 'b');
    await waitFor('b on both', () => one.trace.includes('b') && two.trace.includes('b'));
    await append('c');
    await waitFor('c on both', () => one.trace.includes('c') && two.trace.includes('c'));
    assert.deepEqual(one.trace, ['a', 'gap1-1', 'b', 'c']);
    assert.deepEqual(two.trace, ['a', 'gap1-1', 'b', 'c']);
    assert.deepEqual(decoded, [0, 1, 2, 3], 'each item decoded once, none re-read');
    assert.equal(warnings.filter((w) => w.includes('cannot be decoded')).length, 1);
  });

  it('closes a subscriber whose sink throws, alone: the others get every item', async () => {
    const broken = new RecordingSink();
    broken.breakOn = 'b';
    const fine = new RecordingSink();
    const brokenSub = subscribe(broken, 0);
    let closedWith: unknown;
    brokenSub.onClose((err) => (closedWith = err));
    subscribe(fine, 0);
    await append('a', 'b', 'c');
    await waitFor('c on the fine one', () => fine.trace.includes('c'));
    await append('d');
    await waitFor('d on the fine one', () => fine.trace.includes('d'));
    assert.deepEqual(fine.trace, ['a', 'b', 'c', 'd']);
    assert.deepEqual(broken.trace, ['a']);
    assert.ok(brokenSub.closed);
    assert.match(String(closedWith), /socket exploded/);
    assert.equal(hub.stats().get(stream.name), 1, 'the broken subscription left the feed');
  });

  it('reports an item one sink cannot send as missed by that subscriber, which carries on', async () => {
    const picky = new RecordingSink();
    picky.refuse = 'b';
    const other = new RecordingSink();
    subscribe(picky, 0);
    subscribe(other, 0);
    await append('a', 'b', 'c');
    await waitFor('c on both', () => picky.trace.includes('c') && other.trace.includes('c'));
    assert.deepEqual(picky.trace, ['a', 'gap1-1', 'c']);
    assert.deepEqual(other.trace, ['a', 'b', 'c']);
    assert.equal(warnings.filter((w) => w.includes('cannot be sent')).length, 1);
  });

  it('lets a subscription that starts behind catch up on its own, then join live without miss or duplicate', async () => {
    await append('0', '1', '2', '3');
    const live = new RecordingSink();
    subscribe(live, 4);
    await append('4');
    await waitFor('4 live', () => live.trace.includes('4'));
    const behind = new RecordingSink();
    subscribe(behind, 1);
    const more = append('5', '6', '7');
    await more;
    await waitFor('7 on both', () => live.trace.includes('7') && behind.trace.includes('7'));
    assert.deepEqual(live.trace, ['4', '5', '6', '7']);
    assert.deepEqual(behind.trace, ['1', '2', '3', '4', '5', '6', '7']);
  });

  it('applies the filter without reporting filtered items as missed', async () => {
    const odd = new RecordingSink();
    subscribe(odd, 0, (item) => Number(item) % 2 === 1);
    await append('0', '1', '2', '3');
    await waitFor('3', () => odd.trace.includes('3'));
    assert.deepEqual(odd.trace, ['1', '3']);
  });

  it('skips items while the backlog is over the limit, then reports one missed range before the next item', async () => {
    const slow = new RecordingSink();
    subscribe(slow, 0);
    await append('a');
    await waitFor('a', () => slow.trace.includes('a'));
    slow.bufferedBytes = 1000;
    await append('b', 'c', 'd');
    await waitFor('d read', () => decoded.includes(3));
    assert.deepEqual(slow.trace, ['a']);
    slow.bufferedBytes = 0;
    await append('e');
    await waitFor('e', () => slow.trace.includes('e'));
    assert.deepEqual(slow.trace, ['a', 'gap1-3', 'e']);
  });

  it('holds items while an asynchronous missed() (a reset) runs, then replays them through the filter', async () => {
    // a shared-object-like user: items are versions; a reset snapshot covers everything up to its version
    const sent: string[] = [];
    let snapshotVersion = -1;
    let finishReset!: () => void;
    const sink: PushSink<string> = {
      bufferedBytes: 0,
      send: (item) => void sent.push(item),
      missed: (from, to) => {
        sent.push(`reset-start ${from}-${to}`);
        return new Promise<void>((resolve) => {
          finishReset = () => {
            snapshotVersion = 5; // the snapshot read happened to include items up to 5
            sent.push(`reset v${snapshotVersion}`);
            resolve();
          };
        });
      },
    };
    const sub = new PushSubscription<string>({ sink, next: 0, maxBufferedBytes: 100, filter: (item) => Number(item) > snapshotVersion });
    hub.add(stream.name, source, sub, 0);
    await append('0', 'poison', '2', '3', '4', '5', '6');
    await waitFor('all read', () => decoded.includes(6));
    assert.deepEqual(sent, ['0', 'reset-start 1-1'], 'nothing is sent while the reset runs');
    finishReset();
    await append('7');
    await waitFor('7', () => sent.includes('7'));
    assert.deepEqual(sent, ['0', 'reset-start 1-1', 'reset v5', '6', '7']);
  });

  it('turns what a reset holds past maxHeldItems into one more missed range, reported after the reset', async () => {
    const sent: string[] = [];
    let finishReset: (() => void) | undefined;
    const sink: PushSink<string> = {
      bufferedBytes: 0,
      send: (item) => void sent.push(item),
      missed: (from, to) => {
        sent.push(`missed ${from}-${to}`);
        if (finishReset) return undefined;
        return new Promise<void>((resolve) => (finishReset = resolve));
      },
    };
    const sub = new PushSubscription<string>({ sink, next: 0, maxBufferedBytes: 100, maxHeldItems: 2 });
    hub.add(stream.name, source, sub, 0);
    await append('0', 'poison', '2', '3', '4', '5');
    await waitFor('all read', () => decoded.includes(5));
    assert.deepEqual(sent, ['0', 'missed 1-1']);
    finishReset!();
    await append('6');
    await waitFor('6', () => sent.includes('6'));
    assert.deepEqual(sent, ['0', 'missed 1-1', 'missed 2-4', '5', '6']);
  });

  it('drops a feed once its last subscription closes, and stop() closes the rest', async () => {
    const one = subscribe(new RecordingSink(), 0);
    assert.equal(hub.stats().get(stream.name), 1);
    one.close();
    await waitFor('the idle feed dropped', () => !hub.stats().has(stream.name));
    const two = subscribe(new RecordingSink(), 0);
    hub.stop();
    assert.ok(two.closed);
    const three = subscribe(new RecordingSink(), 0);
    assert.ok(three.closed, 'a stopped hub closes new subscriptions');
  });
});

describe('checkDeliverable', () => {
  const codecs = new Codecs();
  const refusal = (value: unknown): ActorGridError => {
    try {
      checkDeliverable(value, codecs);
    } catch (err) {
      assert.ok(err instanceof ActorGridError);
      return err;
    }
    assert.fail('accepted');
  };

  it('accepts what both encodings carry, stand-ins included', () => {
    checkDeliverable({ body: { a: [1, 'two', null, true], small: 10n, at: new Date(0), map: new Map([['k', 1]]) }, headers: { h: 1 } }, codecs);
  });

  it('refuses a BigInt past 64 bits, a cycle and nesting too deep, as INVALID_ARGUMENTS on field body', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown[] = [];
    for (let i = 0; i < 50000; i++) deep = [deep];
    for (const value of [{ body: 2n ** 70n }, { body: cycle }, { body: deep }]) {
      const err = refusal(value);
      assert.equal(err.code, 'INVALID_ARGUMENTS');
      assert.equal(err.data?.field, 'body');
    }
    assert.equal(refusal({ body: 2n ** 70n }).data?.encoding, 'msgpack');
    // MAX_PUSH_DEPTH levels of containers pass, one more does not (Maps and Sets count too)
    const nested = (levels: number, wrap: (inner: unknown) => unknown): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = wrap(value);
      return value;
    };
    checkDeliverable(nested(MAX_PUSH_DEPTH, (v) => [v]), codecs);
    assert.equal(refusal(nested(MAX_PUSH_DEPTH + 1, (v) => [v])).data?.maxDepth, MAX_PUSH_DEPTH);
    assert.equal(refusal(nested(MAX_PUSH_DEPTH + 1, (v) => new Map([['k', v]]))).code, 'INVALID_ARGUMENTS');
    assert.equal(refusal(nested(MAX_PUSH_DEPTH + 1, (v) => new Set([v]))).code, 'INVALID_ARGUMENTS');
  });
});

describe('NotificationFrame', () => {
  it('encodes once per format and patches each subscription id in', () => {
    const codecs = new Codecs();
    let encodes = 0;
    const json = codecs.json.encode.bind(codecs.json);
    codecs.json.encode = (value: unknown) => {
      encodes += 1;
      return json(value);
    };
    const frame = new NotificationFrame(codecs, 'sharedObject.sync', { name: 'cart', version: 3 }, { event: 'sync', id: 3 });
    const ids = ['a'.repeat(32), 'b'.repeat(32)];
    for (const id of ids) {
      assert.deepEqual(JSON.parse(frame.frame('json', id).toString()), { jsonrpc: '2.0', method: 'sharedObject.sync', params: { subscription: id, name: 'cart', version: 3 } });
      assert.deepEqual(codecs.msgpack.decode(frame.frame('msgpack', id) as Buffer), { jsonrpc: '2.0', method: 'sharedObject.sync', params: { subscription: id, name: 'cart', version: 3 } });
    }
    assert.equal(encodes, 1, 'JSON encoded once for both subscribers');
    assert.equal(frame.sse(), 'id: 3\nevent: sync\ndata: {"name":"cart","version":3}\n\n');
    assert.throws(() => frame.frame('json', 'has"quote'), RangeError);
    assert.throws(() => frame.frame('msgpack', ''), RangeError);
  });

  it('takes positional params and ids of any length, and shares the frame of a short id', () => {
    const codecs = new Codecs();
    const frame = new NotificationFrame(codecs, 'destination.message', [7, 1700000000000, { text: 'é' }]);
    for (const id of ['1', 'z9', 'a'.repeat(31), 'b'.repeat(32), 'c'.repeat(200)]) {
      const expected = { jsonrpc: '2.0', method: 'destination.message', params: [id, 7, 1700000000000, { text: 'é' }] };
      assert.deepEqual(JSON.parse(frame.frame('json', id).toString()), expected, `json, id of ${id.length}`);
      assert.deepEqual(codecs.msgpack.decode(frame.frame('msgpack', id) as Buffer), expected, `msgpack, id of ${id.length}`);
    }
    assert.equal(frame.frame('json', '1'), frame.frame('json', '1'), 'one Buffer for every subscriber with id 1');
    assert.equal(frame.frame('msgpack', '1'), frame.frame('msgpack', '1'));
    assert.notEqual(frame.frame('json', 'b'.repeat(32)), frame.frame('json', 'b'.repeat(32)), 'named ids are unique: not kept');
  });

  it('keeps an encoding failure so later subscribers fail fast', () => {
    const frame = new NotificationFrame(new Codecs(), 'destination.message', { body: 2n ** 70n });
    assert.throws(() => frame.frame('msgpack', 'a'.repeat(32)), /too large/);
    assert.throws(() => frame.frame('msgpack', 'b'.repeat(32)), /too large/);
    assert.match(frame.frame('json', 'c'.repeat(32)).toString(), /"body":"1180591620717411303424"/);
  });
});
