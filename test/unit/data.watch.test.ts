import { strict as assert } from 'node:assert';
import type { ChangeItem } from '../../src/data/ChangeItem';
import { Watch, type DataChange, type DataRecordView, type WatchChannel, type WatchSource, type WatchTarget } from '../../src/data/Watch';
import { Where } from '../../src/data/Where';
import { waitFor } from '../support/waitFor';

type Value = Record<string, unknown>;

/** Records what a watch sends, as `<kind> <id>@<version> #<cursor>` and `reset [ids] #<cursor>`. */
class FakeChannel implements WatchChannel {
  bufferedBytes = 0;
  readonly sent: string[] = [];
  readonly changes: DataChange[] = [];
  readonly resets: Array<{ records: DataRecordView[]; cursor: string }> = [];

  sendChange(change: DataChange): void {
    this.changes.push(change);
    this.sent.push(`${change.kind} ${change.id}@${change.version} #${change.cursor}`);
  }

  sendReset(_watch: string, _collection: string, records: DataRecordView[], cursor: string): void {
    this.resets.push({ records, cursor });
    this.sent.push(`reset [${records.map((r) => `${r.id}@${r.version}`).join(' ')}] #${cursor}`);
  }
}

/** A deferred: a promise the test resolves. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** The node side of a watch: the stream's tail, the current result, the retained stream. */
class FakeSource implements WatchSource {
  tailSeq = -1;
  current: DataRecordView[] = [];
  readonly stream: Array<{ seq: number; change: ChangeItem }> = [];
  /** The first retained sequence: reads before it are lost. */
  head = 0;
  loadGate: Promise<void> | undefined;
  readGate: Promise<void> | undefined;
  loads = 0;

  tail(): Promise<number> {
    return Promise.resolve(this.tailSeq);
  }

  async load(): Promise<DataRecordView[]> {
    this.loads += 1;
    if (this.loadGate) await this.loadGate;
    return this.current.map((r) => ({ ...r }));
  }

  async read(from: number, max: number): Promise<{ items: Array<{ seq: number; change: ChangeItem }>; lost?: boolean }> {
    if (this.readGate) await this.readGate;
    if (from < this.head) return { items: [], lost: true };
    return { items: this.stream.filter((i) => i.seq >= from).slice(0, max) };
  }
}

const ch = (id: string, v: number, p: Value | null, n: Value | null): ChangeItem => ({ c: 'items', id, v, p, n });
const view = (id: string, version: number, value: Value): DataRecordView => ({ id, version, value });
const query = (where: string, extra: { orderBy?: Array<{ field: string; desc?: boolean }>; limit?: number } = {}): WatchTarget => ({
  kind: 'query',
  where: Where.parse(where),
  orderBy: extra.orderBy ?? [],
  ...(extra.limit === undefined ? {} : { limit: extra.limit }),
});

function setup(target: WatchTarget, start: { next: number; records?: DataRecordView[] }, maxBufferedBytes = 1000) {
  const channel = new FakeChannel();
  const source = new FakeSource();
  const errors: unknown[] = [];
  const watch = new Watch('w1', 'items', target, channel, source, maxBufferedBytes, (err) => errors.push(err), start);
  return { channel, source, watch, errors };
}

describe('Watch', () => {
  it('sends added, changed and removed by the WebORB rule, and nothing for changes outside its set', () => {
    const { channel, watch } = setup(query("status = 'open'"), { next: 0 });
    watch.offer(0, ch('r1', 1, null, { status: 'open' }));
    watch.offer(1, ch('r2', 1, null, { status: 'done' }));
    watch.offer(2, ch('r1', 2, { status: 'open' }, { status: 'open', x: 1 }));
    watch.offer(3, ch('r2', 2, { status: 'done' }, { status: 'open' }));
    watch.offer(4, ch('r1', 3, { status: 'open', x: 1 }, { status: 'doing' }));
    watch.offer(5, ch('r1', 4, { status: 'doing' }, { status: 'done' }));
    watch.offer(6, ch('r1', 5, { status: 'done' }, null));
    watch.offer(7, ch('r2', 3, { status: 'open' }, null));
    watch.offer(8, ch('r3', 1, null, { status: 5 }));
    assert.deepEqual(channel.sent, ['added r1@1 #0', 'changed r1@2 #2', 'added r2@2 #3', 'removed r1@3 #4', 'removed r2@3 #7']);
    assert.deepEqual(channel.changes[1], { watch: 'w1', collection: 'items', id: 'r1', kind: 'changed', version: 2, value: { status: 'open', x: 1 }, cursor: '2' });
    assert.deepEqual(channel.changes[3], { watch: 'w1', collection: 'items', id: 'r1', kind: 'removed', version: 3, cursor: '4' }, 'removed carries no value');
    assert.equal(watch.next, 9);
  });

  it('follows one record: changed while it exists, removed when deleted, added when created', () => {
    const { channel, watch } = setup({ kind: 'record', id: 'r1' }, { next: 3, records: [view('r1', 2, { a: 1 })] });
    watch.offer(3, ch('r1', 3, { a: 1 }, { a: 2 }));
    watch.offer(4, ch('r1', 4, { a: 2 }, null));
    watch.offer(5, ch('r1', 5, null, { a: 3 }));
    assert.deepEqual(channel.sent, ['changed r1@3 #3', 'removed r1@4 #4', 'added r1@5 #5']);
  });

  it('drops repeats: sequences before its start, versions the client already has, an item appended twice', () => {
    const { channel, watch } = setup(query("status = 'open'"), { next: 10, records: [view('r1', 3, { status: 'open' })] });
    watch.offer(9, ch('r1', 4, { status: 'open' }, { status: 'open', n: 4 }));
    watch.offer(10, ch('r1', 3, { status: 'open' }, { status: 'open' }));
    watch.offer(11, ch('r1', 4, { status: 'open' }, { status: 'open', n: 4 }));
    watch.offer(11, ch('r1', 4, { status: 'open' }, { status: 'open', n: 4 }));
    watch.offer(12, ch('r1', 4, { status: 'open' }, { status: 'open', n: 4 }));
    watch.offer(13, ch('r2', 1, null, { status: 'open' }));
    assert.deepEqual(channel.sent, ['changed r1@4 #11', 'added r2@1 #13']);
  });

  it('keeps a limited window full: refills when a record leaves, drops the last when a better one enters', async () => {
    const target = query("status = 'open'", { orderBy: [{ field: 'p' }], limit: 2 });
    const { channel, source, watch } = setup(target, { next: 0, records: [view('p1', 1, { status: 'open', p: 1 }), view('p2', 1, { status: 'open', p: 2 })] });
    watch.offer(0, ch('p3', 1, null, { status: 'open', p: 3 }));
    assert.deepEqual(channel.sent, [], 'outside the full window');
    source.current = [view('p1', 1, { status: 'open', p: 1 }), view('p3', 1, { status: 'open', p: 3 })];
    watch.offer(1, ch('p2', 2, { status: 'open', p: 2 }, { status: 'done', p: 2 }));
    await waitFor('the refill', () => channel.sent.length >= 2);
    assert.deepEqual(channel.sent, ['removed p2@2 #1', 'added p3@1 #1']);
    watch.offer(2, ch('p0', 1, null, { status: 'open', p: 0 }));
    assert.deepEqual(channel.sent.slice(2), ['added p0@1 #2', 'removed p3@1 #2']);
    // a record in the window that becomes its last: a record outside may be better
    source.current = [view('p0', 1, { status: 'open', p: 0 }), view('p3', 1, { status: 'open', p: 3 })];
    watch.offer(3, ch('p1', 2, { status: 'open', p: 1 }, { status: 'open', p: 9 }));
    await waitFor('the second refill', () => channel.sent.length >= 6);
    assert.deepEqual(channel.sent.slice(4), ['changed p1@2 #3', 'removed p1@2 #3', 'added p3@1 #3']);
    // while a refill loads, live changes wait and are then processed in order
    const loading = gate();
    source.loadGate = loading.wait;
    source.current = [view('p3', 1, { status: 'open', p: 3 }), view('p4', 1, { status: 'open', p: 4 })];
    watch.offer(4, ch('p0', 2, { status: 'open', p: 0 }, null));
    watch.offer(5, ch('p9', 1, null, { status: 'open', p: -1 }));
    watch.offer(6, ch('p8', 1, null, { status: 'open', p: 8 }));
    assert.deepEqual(channel.sent.slice(7), ['removed p0@2 #4'], 'held while loading');
    loading.open();
    await waitFor('the held changes', () => channel.sent.length >= 10);
    assert.deepEqual(channel.sent.slice(7), ['removed p0@2 #4', 'added p4@1 #4', 'added p9@1 #5', 'removed p4@1 #5']);
    assert.equal(source.loads, 3);
  });

  it('does not refill a window that was not full: records simply come and go', () => {
    const target = query('', { orderBy: [{ field: 'p', desc: true }], limit: 3 });
    const { channel, source, watch } = setup(target, { next: 0, records: [view('a', 1, { p: 5 })] });
    watch.offer(0, ch('b', 1, null, { p: 1 }));
    watch.offer(1, ch('a', 2, { p: 5 }, null));
    watch.offer(2, ch('c', 1, null, { p: 9 }));
    watch.offer(3, ch('d', 1, null, {}));
    watch.offer(4, ch('e', 1, null, { p: 0 })); // worse than b: outside the now full window (missing sorts first descending)
    watch.offer(5, ch('f', 1, null, { p: 3 }));
    assert.deepEqual(channel.sent, ['added b@1 #0', 'removed a@2 #1', 'added c@1 #2', 'added d@1 #3', 'added f@1 #5', 'removed b@1 #5']);
    assert.equal(source.loads, 0);
  });

  it('catches up from the stream itself, holding live offers until it is level, then goes on in order', async () => {
    const { channel, source, watch } = setup(query("status = 'open'"), { next: 5 });
    for (const seq of [5, 6, 7]) source.stream.push({ seq, change: ch(`r${seq}`, 1, null, { status: 'open' }) });
    const reading = gate();
    source.readGate = reading.wait;
    watch.catchUp(8);
    watch.offer(8, ch('r8', 1, null, { status: 'open' }));
    watch.offer(9, ch('r9', 1, null, { status: 'done' }));
    watch.offer(10, ch('r10', 1, null, { status: 'open' }));
    assert.deepEqual(channel.sent, [], 'held while catching up');
    reading.open();
    await waitFor('caught up', () => channel.sent.length >= 5);
    assert.deepEqual(channel.sent, ['added r5@1 #5', 'added r6@1 #6', 'added r7@1 #7', 'added r8@1 #8', 'added r10@1 #10']);
    watch.offer(7, ch('r7', 1, null, { status: 'open' }));
    assert.equal(channel.sent.length, 5, 'nothing twice');
    // nothing to catch up when the feed is not ahead
    watch.catchUp(11);
    assert.equal(source.loads, 0);
  });

  it('resets when what it must catch up on is no longer retained', async () => {
    const { channel, source, watch } = setup(query("status = 'open'"), { next: 2 });
    source.head = 10;
    source.tailSeq = 12;
    source.current = [view('r1', 4, { status: 'open' })];
    watch.catchUp(12);
    watch.offer(12, ch('r2', 1, null, { status: 'open' }));
    await waitFor('the reset', () => channel.sent.length >= 1);
    assert.deepEqual(channel.sent, ['reset [r1@4] #12']);
    watch.offer(13, ch('r1', 4, { status: 'open' }, { status: 'open' }));
    watch.offer(14, ch('r1', 5, { status: 'open' }, { status: 'open', n: 5 }));
    assert.deepEqual(channel.sent, ['reset [r1@4] #12', 'changed r1@5 #14'], 'the version in the reset is not sent again');
  });

  it('resets on changes the feed lost, if they could concern it', async () => {
    const { channel, source, watch } = setup(query("status = 'open'"), { next: 5 });
    watch.lost(0, 4);
    assert.equal(source.loads, 0, 'before its start: nothing');
    source.tailSeq = 9;
    source.current = [view('r1', 2, { status: 'open' })];
    watch.lost(5, 8);
    await waitFor('the reset', () => channel.resets.length === 1);
    assert.deepEqual(channel.resets[0], { records: [view('r1', 2, { status: 'open' })], cursor: '9' });
    watch.offer(9, ch('r2', 1, null, { status: 'open' }));
    watch.offer(10, ch('r2', 1, null, { status: 'open' }));
    assert.deepEqual(channel.sent, ['reset [r1@2] #9', 'added r2@1 #10']);
  });

  it('skips changes while its connection\'s buffer is over the limit, then sends one reset with its whole set', async () => {
    const { channel, source, watch } = setup(query("status = 'open'"), { next: 0 }, 1000);
    watch.offer(0, ch('r1', 1, null, { status: 'open' }));
    channel.bufferedBytes = 5000;
    watch.offer(1, ch('r1', 2, { status: 'open' }, { status: 'open', n: 2 }));
    watch.offer(2, ch('r2', 1, null, { status: 'open' }));
    watch.offer(3, ch('r3', 1, null, { status: 'done' }));
    assert.deepEqual(channel.sent, ['added r1@1 #0']);
    source.tailSeq = 3;
    source.current = [view('r1', 2, { status: 'open', n: 2 }), view('r2', 1, { status: 'open' })];
    channel.bufferedBytes = 0;
    await waitFor('the reset once drained', () => channel.resets.length >= 1);
    assert.deepEqual(channel.sent, ['added r1@1 #0', 'reset [r1@2 r2@1] #3']);
    watch.offer(4, ch('r2', 2, { status: 'open' }, null));
    assert.deepEqual(channel.sent.slice(2), ['removed r2@2 #4']);
    assert.equal(channel.resets.length, 1, 'one reset');
  });

  it('sends nothing once closed, and tells its listeners once', () => {
    const { channel, watch } = setup(query(''), { next: 0 });
    let closed = 0;
    watch.onClose(() => (closed += 1));
    watch.offer(0, ch('r1', 1, null, { a: 1 }));
    watch.close();
    watch.close();
    watch.offer(1, ch('r1', 2, { a: 1 }, { a: 2 }));
    assert.deepEqual(channel.sent, ['added r1@1 #0']);
    assert.equal(closed, 1);
    assert.equal(watch.closed, true);
    watch.onClose(() => (closed += 1));
    assert.equal(closed, 2, 'a listener added after the close runs at once');
  });
});
