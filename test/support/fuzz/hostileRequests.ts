import { Packr } from 'msgpackr';
import type { FuzzRandom } from './FuzzRandom';
import type { FuzzLimits, HostileValues } from './hostileValues';

/** One HTTP request to send (REST routes, `POST /rpc`, SSE). */
export interface HttpInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** `encodeURIComponent` for any string: lone surrogates (which it refuses) become U+FFFD. */
function uri(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

/** Where a fuzzed value goes verbatim: replaced in the encoded text or bytes after encoding. */
const SPLICE = '@@splice@@';

/** A valid params object per JSON-RPC method (docs/protocol.md), which the generator then breaks. */
function templates(random: FuzzRandom, values: HostileValues): Record<string, () => Record<string, unknown>> {
  const id = (): string => `fuzz-${random.int(50)}`;
  return {
    'actor.call': () => ({ type: random.pick(['Counter', 'Probe', 'Probe', 'tasks', 'Nope', 'actorgrid.sharedObject']), id: id(), method: random.pick(['increment', 'get', 'merge', 'echo', 'pollution', 'reset', 'constructor', '__proto__', 'toString']), args: [values.any()], idempotencyKey: `k${random.int(20)}` }),
    'destination.publish': () => ({ destination: random.pick(['news', 'chat', 'nope']), body: values.any(), headers: { h: random.text(random.size(200)), n: random.int(9) }, subtopic: random.pick(['a.b', 'x', 'a..b', '#', '*']) }),
    'destination.subscribe': () => ({ destination: random.pick(['news', 'chat']), subtopic: random.pick(['a.*', 'a.#', '#', '**', 'a.#.b']), selector: values.selector(), after: random.pick([-2, -1, 0, 1e9, 0.5]) }),
    'destination.unsubscribe': () => ({ subscription: random.pick(['x'.repeat(32), '', 'nope']) }),
    'sharedObject.get': () => ({ name: random.pick(['board.a', 'board.b', 'nope', 'board.']) }),
    'sharedObject.update': () => ({ name: 'board.fuzz', set: { [random.pick(['s', '__proto__', 'constructor', ''])]: values.any() }, delete: [random.text(4)], ifVersion: random.int(5), idempotencyKey: `k${random.int(20)}` }),
    'sharedObject.subscribe': () => ({ name: 'board.fuzz', since: random.pick([0, -1, 1e12, 'x']) }),
    'sharedObject.unsubscribe': () => ({ subscription: 'x'.repeat(32) }),
    'data.create': () => ({ collection: random.pick(['tasks', 'nope']), id: id(), value: { title: random.text(random.size(300)), status: random.pick(['open', 'done', 'weird']), extra: values.any() }, idempotencyKey: `k${random.int(20)}` }),
    'data.get': () => ({ collection: 'tasks', id: id(), watch: random.chance(0.3) }),
    'data.update': () => ({ collection: 'tasks', id: id(), set: { title: values.any() }, ifVersion: random.int(4) }),
    'data.delete': () => ({ collection: 'tasks', id: id(), ifVersion: random.int(3) }),
    'data.query': () => ({ collection: 'tasks', where: values.selector(), orderBy: [{ field: random.pick(['title', 'priority', '__proto__', '']), desc: values.any() }], limit: random.pick([1, 0, -1, 1e9, 10]), offset: random.pick([0, -1, 1.5]), watch: random.chance(0.2) }),
    'data.unwatch': () => ({ watch: random.text(8) }),
    'auth.login': () => ({ token: random.text(random.size(500)) }),
  };
}

/**
 * Hostile requests for every transport: JSON-RPC messages with wrong types at every field of every
 * method's params, unknown keys and envelopes gone wrong; batches at and past the limit; truncated,
 * deeply nested and random JSON and msgpack; REST routes with bad paths, bodies, content types and
 * headers; SSE query strings.
 */
export class HostileRequests {
  private readonly packr = new Packr({ useRecords: false });
  private readonly methods: Record<string, () => Record<string, unknown>>;

  constructor(
    private readonly random: FuzzRandom,
    private readonly values: HostileValues,
    private readonly limits: FuzzLimits,
  ) {
    this.methods = templates(random, values);
  }

  /** A method's params with one to three fields broken (a wrong type, dropped, or an unknown key added), or not an object at all. */
  params(method: string): unknown {
    const r = this.random;
    const params = (this.methods[method] ?? this.methods['actor.call'])();
    if (r.chance(0.1)) return this.values.any();
    for (let k = r.int(3) + 1; k > 0; k--) {
      const keys = Object.keys(params);
      const mutation = r.int(4);
      if (mutation === 0) params[r.pick(keys)] = this.values.any();
      else if (mutation === 1) delete params[r.pick(keys)];
      else if (mutation === 2) params[r.pick(['extra', '__proto__', 'constructor', r.text(5)])] = this.values.any();
      else if (r.chance(0.5)) Object.assign(params, this.values.poisoned());
    }
    return params;
  }

  /** A JSON-RPC request object, its envelope sometimes broken too. */
  message(): Record<string, unknown> {
    const r = this.random;
    const method = r.pick(Object.keys(this.methods));
    const message: Record<string, unknown> = { jsonrpc: '2.0', id: r.int(1e6), method, params: this.params(method) };
    if (r.chance(0.15)) {
      const field = r.pick(['jsonrpc', 'id', 'method', 'params']);
      if (r.chance(0.3)) delete message[field];
      else message[field] = r.chance(0.5) ? this.values.any() : r.pick(['2.1', 'actor.', 'rpc.discover', '__proto__', ''.padEnd(300, 'm')]);
    }
    return message;
  }

  /** A batch of around `maxBatch` entries, some past it. */
  batch(): unknown[] {
    const n = this.random.pick([0, 1, 2, this.limits.maxBatch, this.limits.maxBatch + 1, this.limits.maxBatch * 3]);
    return Array.from({ length: n }, () => (this.random.chance(0.9) ? this.message() : this.values.any()));
  }

  /** A WebSocket text frame or `POST /rpc` JSON body. */
  jsonText(): string {
    const r = this.random;
    switch (r.int(9)) {
      case 0:
        return JSON.stringify(this.batch());
      case 1: {
        const text = JSON.stringify(this.message());
        return text.slice(0, r.int(text.length));
      }
      case 2:
        return this.spliceText(this.deepText(r.size(this.limits.maxPayloadBytes)));
      case 3:
        return '['.repeat(r.size(this.limits.maxPayloadBytes));
      case 4:
        return r.text(r.size(3000));
      case 5:
        return r.pick(['', ' ', 'null', '[]', '{}', '1', '"x"', '[1]', '[[]]', '{"jsonrpc":"2.0"}', '\uFEFF{}', '{"a":1,"a":2}']);
      case 6:
        return this.spliceText(r.pick(['{"__proto__":{"polluted":"yes"}}', '{"constructor":{"prototype":{"polluted":"yes"}}}', '1e999999', '-0', '"\\ud800"', '"\\u0000"']));
      default:
        return JSON.stringify(this.message());
    }
  }

  /** A WebSocket binary frame or `POST /rpc` msgpack body. */
  msgpack(): Buffer {
    const r = this.random;
    switch (r.int(8)) {
      case 0:
        return this.packr.pack(this.batch());
      case 1: {
        const bytes = this.packr.pack(this.message());
        return bytes.subarray(0, r.int(bytes.length));
      }
      case 2:
        return r.bytes(r.size(4000));
      case 3: {
        // arrays of one nested `levels` deep, as raw bytes (no encoder recursion needed)
        const levels = r.size(this.limits.maxPayloadBytes);
        return this.spliceBytes(Buffer.concat([Buffer.alloc(levels, 0x91), Buffer.from([0xc0])]));
      }
      case 4:
        // extension types (timestamps, msgpackr's own records, structures, unknown ones) and lengths that lie
        return this.spliceBytes(Buffer.concat([Buffer.from([r.pick([0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7]), r.int(256)]), r.bytes(r.int(20))]));
      case 5:
        return this.spliceBytes(Buffer.from(r.pick([[0xdd, 0x00, 0x00, 0x10, 0x00], [0xdb, 0x00, 0x10, 0x00, 0x00], [0xc6, 0x7f, 0xff, 0xff, 0xff], [0xc1], [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]])));
      default:
        return this.packr.pack(this.message());
    }
  }

  /** A request to a REST route (actors, destinations, shared objects, collections), or to no route at all. */
  http(): HttpInput {
    const r = this.random;
    const seg = (): string => r.pick(['fuzz-1', 'fuzz-2', uri(r.text(r.size(300) + 1)), '%zz', '%ED%A0%80', '%C0%AF', '..', '%2F', '%00', 'x'.repeat(300), '__proto__', 'constructor']);
    const type = r.pick(['Counter', 'Probe', 'tasks', 'Nope', seg()]);
    const body = (): string | Buffer => (r.chance(0.2) ? this.msgpack() : r.chance(0.5) ? JSON.stringify(this.values.any()) : this.jsonText());
    const headers: Record<string, string> = { 'content-type': r.pick(['application/json', 'application/msgpack', 'application/x-msgpack', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json', 'application/json']) };
    if (r.chance(0.3)) headers.accept = r.pick(['application/msgpack', 'text/html', '*/*', 'application/json;q=0']);
    if (r.chance(0.2)) headers['idempotency-key'] = r.pick(['', 'k', 'x'.repeat(200), r.text(8).replace(/[^\x20-\x7e]/g, 'x')]);
    if (r.chance(0.2)) headers['if-match'] = r.pick(['"1"', 'W/"1"', '*', '"x"', '', '"99999999999999999999"']);
    const routes: Array<() => HttpInput> = [
      () => ({ method: 'POST', path: `/actors/${type}/${seg()}/${r.pick(['increment', 'get', 'merge', 'echo', seg()])}`, headers, body: body() }),
      () => ({ method: 'POST', path: `/destinations/${r.pick(['news', 'chat', seg()])}/messages`, headers, body: r.chance(0.5) ? JSON.stringify({ body: this.values.any(), headers: r.chance(0.5) ? this.values.any() : {}, subtopic: this.values.any() }) : body() }),
      () => ({ method: r.pick(['GET', 'PATCH']), path: `/shared/${r.pick(['board.fuzz', 'nope', seg()])}`, headers, body: JSON.stringify({ set: { s: this.values.any() }, delete: this.values.any() }) }),
      () => ({ method: 'GET', path: `/data/${r.pick(['tasks', seg()])}?where=${uri(this.values.selector())}&orderBy=${uri(r.pick(['-priority,title', '', ',,', '-'.repeat(20), r.text(10)]))}&limit=${uri(String(this.values.any()).slice(0, 50))}`, headers }),
      () => ({ method: r.pick(['GET', 'DELETE']), path: `/data/tasks/${seg()}`, headers }),
      () => ({ method: r.pick(['POST', 'PATCH']), path: r.chance(0.5) ? '/data/tasks' : `/data/tasks/${seg()}`, headers, body: r.chance(0.5) ? JSON.stringify({ id: this.values.any(), value: this.values.any(), set: this.values.any() }) : body() }),
      () => ({ method: r.pick(['PUT', 'OPTIONS', 'GET', 'POST', 'DELETE']), path: r.pick(['/', '/actors', '/rpc', `/${seg()}`, '/health/../rpc', '/actors/Counter', '/cluster?x=%zz']), headers, body: r.chance(0.5) ? body() : undefined }),
    ];
    const input = r.pick(routes)();
    if (input.method === 'GET' || input.method === 'DELETE') delete input.body;
    return input;
  }

  /** A `POST /rpc` request: JSON or msgpack, a single request, a batch or garbage. */
  rpc(): HttpInput {
    const binary = this.random.chance(0.3);
    const contentType = binary ? 'application/msgpack' : this.random.pick(['application/json', 'application/json', 'text/plain', 'application/json; charset=utf-16']);
    return { method: 'POST', path: '/rpc', headers: { 'content-type': contentType }, body: binary ? this.msgpack() : this.jsonText() };
  }

  /** An SSE stream request with hostile query strings and `Last-Event-ID`. */
  sse(): HttpInput {
    const r = this.random;
    const q = (v: unknown): string => uri(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (r.chance(0.4)) headers['last-event-id'] = r.pick(['-1', '0', '1e99', 'x', '', '99999999999999999999', '1:2', r.text(20).replace(/[^\x20-\x7e]/g, 'x')]);
    const path = r.pick([
      () => `/destinations/${r.pick(['news', 'chat', 'nope', '%zz'])}/events?subtopic=${q(r.pick(['a.*', '#', '..', r.text(10)]))}&selector=${q(this.values.selector())}&after=${q(this.values.any())}`,
      () => `/shared/${r.pick(['board.fuzz', 'nope'])}/events?since=${q(this.values.any())}`,
      () => `/data/${r.pick(['tasks', 'nope'])}/events?where=${q(this.values.selector())}&orderBy=${q(r.text(8))}&limit=${q(this.values.any())}`,
      () => `/destinations/news/events?access_token=${q(r.text(40))}&selector=${q(this.values.selector())}&selector=${q(this.values.selector())}`,
    ])();
    return { method: 'GET', path: path.slice(0, 8000), headers };
  }

  private deepText(levels: number): string {
    return '['.repeat(levels) + ']'.repeat(levels);
  }

  /** A valid request (a Probe call, or a publish) whose argument or body is `raw` JSON text, verbatim. */
  private spliceText(raw: string): string {
    return JSON.stringify(this.carrier()).replace(JSON.stringify(SPLICE), raw);
  }

  private spliceBytes(raw: Buffer): Buffer {
    const packed = this.packr.pack(this.carrier());
    const marker = this.packr.pack(SPLICE);
    const at = packed.indexOf(marker);
    return Buffer.concat([packed.subarray(0, at), raw, packed.subarray(at + marker.length)]);
  }

  private carrier(): Record<string, unknown> {
    return this.random.chance(0.5)
      ? { jsonrpc: '2.0', id: 1, method: 'actor.call', params: { type: 'Probe', id: 'fuzz-p', method: 'merge', args: [SPLICE] } }
      : { jsonrpc: '2.0', id: 1, method: 'destination.publish', params: { destination: 'news', body: SPLICE } };
  }
}
