import { strict as assert } from 'node:assert';
import fastify, { type FastifyInstance } from 'fastify';
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { Dispatcher, registerActorMethods } from '../../src/protocol';
import { httpServerOptions, httpTransport } from '../../src/transport/http';
import { wsMaxPayload, WsConnections, wsTransport } from '../../src/transport/ws';
import { FakeInvoker } from './transportFakes';

const LIMIT = 4096;
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

interface Frame {
  isBinary: boolean;
  value: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A test client: queues decoded frames and records how the connection closed. */
class Client {
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      this.frames.push({ isBinary, value: isBinary ? packr.unpack(data) : JSON.parse(data.toString('utf8')) });
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
  }

  static open(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  sendMsgpack(value: unknown): void {
    this.ws.send(packr.pack(value), { binary: true });
  }

  async next(timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no frame received in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.shift() as Frame;
  }

  close(): void {
    this.ws.terminate();
  }
}

const call = (id: unknown, method: string, args: unknown[] = []) => ({
  jsonrpc: '2.0',
  id,
  method: 'actor.call',
  params: { type: 'Room', id: 'r1', method, args },
});

describe('WebSocket transport', () => {
  let app: FastifyInstance;
  let url: string;
  let connections: WsConnections;
  let internal: unknown[];
  const watched: (AbortSignal | undefined)[] = [];
  const clients: Client[] = [];

  const open = async (): Promise<Client> => {
    const client = await Client.open(url);
    clients.push(client);
    return client;
  };

  before(async () => {
    const invoker = new FakeInvoker();
    internal = [];
    const dispatcher = new Dispatcher({ onInternalError: (err) => internal.push(err) });
    registerActorMethods(dispatcher, invoker);
    dispatcher.register('test.notifyMe', async (params, session) => {
      const sent = session.notify?.('test.note', params);
      return { sent, transport: session.transport };
    });
    dispatcher.register('test.watch', async (_params, session) => {
      watched.push(session.signal);
      return session.signal !== undefined;
    });
    connections = new WsConnections();
    app = fastify({ logger: false, ...httpServerOptions({ maxPayloadBytes: LIMIT }) });
    await app.register(httpTransport, {
      dispatcher,
      limits: { maxPayloadBytes: LIMIT },
      status: { ready: () => true, cluster: async () => ({}) },
    });
    await app.register(wsTransport, { dispatcher, limits: { maxPayloadBytes: LIMIT }, connections });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address.replace('http', 'ws')}/ws`;
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  after(async () => {
    await app.close();
  });

  it('answers a JSON request in a text frame', async () => {
    const client = await open();
    client.sendJson(call(1, 'echo', [1, 'a']));
    const frame = await client.next();
    assert.equal(frame.isBinary, false);
    assert.deepEqual(frame.value, { jsonrpc: '2.0', id: 1, result: { type: 'Room', id: 'r1', method: 'echo', args: [1, 'a'] } });
  });

  it('answers a msgpack request in a binary frame', async () => {
    const client = await open();
    client.sendMsgpack(call('b', 'echo', [true]));
    const frame = await client.next();
    assert.equal(frame.isBinary, true);
    assert.deepEqual(frame.value.result.args, [true]);
  });

  it('answers a batch and coded errors', async () => {
    const client = await open();
    client.sendJson([call(1, 'echo'), call(2, 'fail', ['REENTRANCY']), { jsonrpc: '2.0', method: 'nope' }]);
    const { value } = await client.next();
    assert.equal(value.length, 2);
    assert.equal(value[0].id, 1);
    assert.deepEqual(value[1].error.data, { code: 'REENTRANCY', actor: 'Room/r1' });
    assert.equal(value[1].error.code, -32006);
  });

  it('answers garbage text with -32700 (id null) and stays usable', async () => {
    const client = await open();
    client.sendJson(call(1, 'echo'));
    client.ws.send('{"jsonrpc": "2.0", "method"');
    client.sendJson(call(2, 'echo'));
    const frames = [await client.next(), await client.next(), await client.next()];
    const parseError = frames.find((f) => f.value.error !== undefined);
    assert.ok(parseError);
    assert.equal(parseError.isBinary, false);
    assert.equal(parseError.value.id, null);
    assert.equal(parseError.value.error.code, -32700);
    assert.deepEqual(frames.filter((f) => f.value.result !== undefined).map((f) => f.value.id).sort(), [1, 2]);
  });

  it('answers binary garbage and a half msgpack frame with -32700 in binary frames and stays usable', async () => {
    const client = await open();
    client.ws.send(Buffer.from('not msgpack at all'), { binary: true });
    const garbage = await client.next();
    assert.equal(garbage.isBinary, true);
    assert.equal(garbage.value.error.code, -32700);
    assert.equal(garbage.value.id, null);
    client.ws.send(packr.pack(call(3, 'echo')).subarray(0, 20), { binary: true });
    const half = await client.next();
    assert.equal(half.value.error.data.code, 'PARSE_ERROR');
    client.sendMsgpack(call(4, 'echo'));
    assert.equal((await client.next()).value.id, 4);
    assert.equal(client.ws.readyState, WebSocket.OPEN);
  });

  it('answers a frame somewhat over the limit with PAYLOAD_TOO_LARGE and stays usable', async () => {
    const client = await open();
    client.sendJson(call(5, 'echo', ['x'.repeat(LIMIT)]));
    const frame = await client.next();
    assert.equal(frame.value.id, null);
    assert.equal(frame.value.error.code, -32007);
    assert.deepEqual(frame.value.error.data, { code: 'PAYLOAD_TOO_LARGE', maxPayloadBytes: LIMIT });
    client.sendJson(call(6, 'echo'));
    assert.equal((await client.next()).value.id, 6);
  });

  it('closes the connection with 1009 for a frame over ws maxPayload', async () => {
    const client = await open();
    client.ws.send(Buffer.alloc(wsMaxPayload(LIMIT) + 1, 0x20));
    const { code } = await client.closed;
    assert.equal(code, 1009);
    const other = await open();
    other.sendJson(call(7, 'echo'));
    assert.equal((await other.next()).value.id, 7);
  });

  it('survives a protocol error on one socket: invalid UTF-8 in a text frame closes only that one with 1007', async () => {
    const client = await open();
    client.ws.send(Buffer.from([0x22, 0xff, 0xfe, 0x22]), { binary: false });
    assert.equal((await client.closed).code, 1007);
    const other = await open();
    other.sendJson(call(9, 'echo'));
    assert.equal((await other.next()).value.id, 9);
  });

  it('hides INTERNAL errors from clients', async () => {
    const client = await open();
    client.sendJson(call(8, 'crash'));
    const { value } = await client.next();
    assert.deepEqual(value.error, { code: -32603, message: 'internal error', data: { code: 'INTERNAL' } });
    assert.ok(internal.some((err) => /hunter2/.test((err as Error).message)));
  });

  it('sends notifications in the encoding the client last used', async () => {
    const client = await open();
    client.sendJson({ jsonrpc: '2.0', id: 'n1', method: 'test.notifyMe', params: { hello: 'text' } });
    const note = await client.next();
    assert.deepEqual(note, { isBinary: false, value: { jsonrpc: '2.0', method: 'test.note', params: { hello: 'text' } } });
    assert.deepEqual((await client.next()).value.result, { sent: true, transport: 'ws' });
    client.sendMsgpack({ jsonrpc: '2.0', id: 'n2', method: 'test.notifyMe', params: ['bin'] });
    const binaryNote = await client.next();
    assert.equal(binaryNote.isBinary, true);
    assert.deepEqual(binaryNote.value, { jsonrpc: '2.0', method: 'test.note', params: ['bin'] });
  });

  it('answers calls concurrently on one connection', async () => {
    const client = await open();
    client.sendJson(call('slow', 'wait', [150, 'slow']));
    client.sendJson(call('fast', 'wait', [1, 'fast']));
    assert.equal((await client.next()).value.id, 'fast');
    assert.equal((await client.next()).value.id, 'slow');
  });

  it('answers a plain GET /ws in the HTTP error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/ws' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'INVALID_REQUEST');
  });

  it('aborts the session signal when the connection closes', async () => {
    const client = await open();
    client.sendJson({ jsonrpc: '2.0', id: 'w', method: 'test.watch' });
    assert.equal((await client.next()).value.result, true);
    const signal = watched.pop() as AbortSignal;
    assert.equal(signal.aborted, false);
    const aborted = new Promise((resolve) => signal.addEventListener('abort', resolve));
    client.close();
    await aborted;
  });

  // Last: it leaves the transport refusing connections.
  it('closeAll tells every client (node.draining), answers running requests, refuses new ones with UNAVAILABLE, then closes with the code', async () => {
    const a = await open();
    const b = await open();
    assert.ok(connections.size >= 2);
    a.sendJson(call('running', 'wait', [150, 'done']));
    a.sendJson(call('seen', 'echo'));
    // Frames run in arrival order: once "seen" is answered, "running" is in flight on the node.
    assert.equal((await a.next()).value.id, 'seen');
    const closing = connections.closeAll(1001, 'node draining');
    assert.deepEqual((await a.next()).value, { jsonrpc: '2.0', method: 'node.draining', params: {} }, 'told first');
    assert.deepEqual((await b.next()).value, { jsonrpc: '2.0', method: 'node.draining', params: {} });
    a.sendJson([call('late', 'echo'), { jsonrpc: '2.0', method: 'actor.call', params: {} }]);
    const frames = [await a.next(), await a.next()];
    const late = frames.find((f) => Array.isArray(f.value));
    assert.deepEqual(late?.value, [
      { jsonrpc: '2.0', id: 'late', error: { code: -32008, message: 'the node is draining', data: { code: 'UNAVAILABLE' } } },
    ]);
    assert.equal(frames.find((f) => !Array.isArray(f.value))?.value.result, 'done');
    assert.deepEqual(await a.closed, { code: 1001, reason: 'node draining' });
    assert.deepEqual(await b.closed, { code: 1001, reason: 'node draining' });
    await closing;
    assert.equal(connections.size, 0);
    await assert.rejects(Client.open(url), /upgrade refused: 503/);
  });
});

describe('WebSocket transport in-flight limit', () => {
  it('runs at most maxInFlight requests at once, queues the rest in order and resumes', async () => {
    const dispatcher = new Dispatcher();
    const invoker = new FakeInvoker();
    registerActorMethods(dispatcher, invoker);
    const app = fastify({ logger: false });
    try {
      await app.register(wsTransport, { dispatcher, limits: { maxPayloadBytes: 1024, maxInFlight: 2 } });
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const client = await Client.open(`${address.replace('http', 'ws')}/ws`);
      // Written in one burst, so ws reads them all before the connection can pause its socket.
      for (let i = 0; i < 6; i++) client.sendJson(call(i, 'wait', [20, i]));
      client.ws.send('garbage');
      const ids = [];
      for (let i = 0; i < 7; i++) ids.push((await client.next()).value.id);
      assert.deepEqual(ids.filter((id) => id !== null).sort(), [0, 1, 2, 3, 4, 5]);
      // Queued frames run in arrival order: the garbage frame is read only once "5" got a slot,
      // i.e. after 0–3 were answered (without the queue it would be answered first).
      assert.ok(ids.indexOf(null) >= 4, `garbage answered at ${ids.indexOf(null)}`);
      assert.equal(invoker.maxRunning, 2);
      client.sendJson(call('after', 'echo'));
      assert.equal((await client.next()).value.id, 'after');
      client.close();
    } finally {
      await app.close();
    }
  });
});

describe('WebSocket transport shutdown', () => {
  it('app.close() closes open connections with 1001', async () => {
    const dispatcher = new Dispatcher();
    const app = fastify({ logger: false });
    try {
      await app.register(wsTransport, { dispatcher, limits: { maxPayloadBytes: 1024 } });
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const client = await Client.open(`${address.replace('http', 'ws')}/ws`);
      const closing = app.close();
      assert.equal((await client.closed).code, 1001);
      await closing;
    } finally {
      await app.close();
    }
  });
});
