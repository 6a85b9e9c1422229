/**
 * The Socket.IO peer of the fan-out section (f): a Socket.IO 4.8 server with the Redis adapter
 * (@socket.io/redis-adapter, the classic pub/sub one), run as a child process like the raw broadcast
 * server and the actorgrid node; the bench starts two. WebSocket transport only, no compression.
 *
 * - A client connecting with `auth: {role: 'sub'}` joins the run's room (`--room`).
 * - A client's `pub` event `(seq, body)` is broadcast to the room: `io.to(room).emit('m', seq, body)`.
 *   This server sends it to its own members of the room and publishes it once on Redis; the other
 *   server, subscribed to the adapter's channels, sends it to its members.
 *
 * The adapter's channel prefix (`key`) is the room name too, so runs that share a Redis never mix.
 * Connects its two Redis clients (`--redis-url`, else ACTORGRID_BENCH_REDIS_URL, else
 * redis://127.0.0.1:6379) before it listens; prints "listening on URL" on stdout like
 * `actorgrid start`; SIGTERM closes the server and both Redis clients.
 */
import * as http from 'node:http';
import { parseArgs } from 'node:util';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'redis-url': { type: 'string' }, room: { type: 'string' } } });
  const redisUrl = values['redis-url'] ?? process.env.ACTORGRID_BENCH_REDIS_URL ?? DEFAULT_REDIS_URL;
  const room = values.room;
  if (!room) throw new Error('--room is required');
  // No reconnects: a Redis that goes away ends the measurement with errors instead of hanging it.
  const pub = createClient({ url: redisUrl, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) c.on('error', (err: Error) => process.stderr.write(`redis client: ${err.message}\n`));
  await Promise.all([pub.connect(), sub.connect()]);

  const server = http.createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    adapter: createAdapter(pub, sub, { key: room }),
  });
  io.on('connection', (socket) => {
    if ((socket.handshake.auth as { role?: unknown }).role === 'sub') void socket.join(room);
    socket.on('pub', (seq: unknown, body: unknown) => io.to(room).emit('m', seq, body));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
  });

  const stop = (): void => {
    setTimeout(() => process.exit(0), 2000).unref();
    io.close(() => {
      void Promise.allSettled([pub.close(), sub.close()]).then(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`socket.io server failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
