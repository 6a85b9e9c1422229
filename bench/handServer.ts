/**
 * The peer a user would write instead of actorgrid (issue 13): a small server of their own, fastify
 * + @fastify/websocket JSON-RPC, and per increment hazelcast-client `lock(key, lease)` → `get` →
 * decode → +1 → encode → `set` → `unlock`, behind a per-key in-process queue (RawGrid's KeyMutex);
 * a read is a plain `get`. It speaks the frame actorgrid's WebSocket endpoint speaks
 * (`actor.call {type: 'Counter', id, method: 'increment' | 'get', args: []}` → `result: <number>`),
 * so the bench drives both with the same WsRpcPool, and runs as a child process like the node.
 *
 * `--naive` leaves the per-key queue out, as the obvious first version would. The Node client sends
 * thread id 0 with every lock call, so every concurrent call on one key "holds" the lock at once and
 * they overwrite each other's writes: acknowledged increments get lost (the bench measures how many).
 *
 *   node dist/bench/handServer.js --members 127.0.0.1:5701 --cluster-name dev --lease-ms 15000 [--naive]
 *
 * Prints "listening on URL" on stdout like `actorgrid start`.
 */
import { parseArgs } from 'node:util';
import fastifyWebsocket from '@fastify/websocket';
import fastify from 'fastify';
import { decodeCount, encodeCount, HAND_MAP } from './handRecord';
import { RawGrid } from './RawGrid';

interface CallParams {
  id?: unknown;
  method?: unknown;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { members: { type: 'string' }, 'cluster-name': { type: 'string' }, 'lease-ms': { type: 'string' }, naive: { type: 'boolean' } },
  });
  if (!values.members || !values['cluster-name']) throw new Error('--members and --cluster-name are required');
  const leaseMs = Number(values['lease-ms'] ?? 15_000);
  const naive = values.naive === true;
  const grid = await RawGrid.connect(values['cluster-name'], values.members.split(','), { instanceName: naive ? 'bench-hand-naive' : 'bench-hand', perKeyQueue: !naive });
  const map = await grid.map(HAND_MAP);

  const increment = async (key: string): Promise<number> => {
    let value = NaN;
    await grid.lockedUpdate(map, key, leaseMs, (old) => encodeCount((value = decodeCount(old) + 1), old.length));
    return value;
  };
  const get = async (key: string): Promise<number> => {
    const record = await map.get(key);
    if (!record) throw new Error(`no counter ${key}`);
    return decodeCount(record);
  };
  const handle = (params: CallParams | undefined): Promise<number> => {
    const key = params?.id;
    if (typeof key !== 'string') return Promise.reject(new Error('params.id must be a string'));
    if (params?.method === 'increment') return increment(key);
    if (params?.method === 'get') return get(key);
    return Promise.reject(new Error(`unknown method ${String(params?.method)}`));
  };

  const app = fastify({ logger: false });
  await app.register(fastifyWebsocket, { options: { perMessageDeflate: false } });
  app.get('/ws', { websocket: true }, (socket) => {
    const send = (frame: object): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
    };
    socket.on('message', (data) => {
      let request: { id?: unknown; method?: unknown; params?: CallParams };
      try {
        request = JSON.parse(data.toString()) as typeof request;
      } catch {
        send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
        return;
      }
      const reply = request.method === 'actor.call' ? handle(request.params) : Promise.reject(new Error(`unknown method ${String(request.method)}`));
      reply.then(
        (result) => send({ jsonrpc: '2.0', id: request.id, result }),
        (err: unknown) => send({ jsonrpc: '2.0', id: request.id, error: { code: -32000, message: String(err), data: { code: 'HAND_ERROR' } } }),
      );
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
  const stop = (): void => {
    Promise.allSettled([app.close(), grid.shutdown()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`hand server: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
