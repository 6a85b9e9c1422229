/**
 * The Socket.IO side of the fan-out section (f): Socket.IO 4.8 with @socket.io/redis-adapter on a
 * local Redis, two server processes (bench/socketIoServer.ts), clients (socket.io-client, websocket
 * transport, one connection each) in the bench process like every other (f) client.
 *
 * Socket.IO numbers nothing, so the bench does, as it does for the raw broadcast: the publisher
 * emits `pub(seq, body)` with its own counter as `seq` (the event's first argument, beside the same
 * `{r,i,t,p}` body); server 1 broadcasts `m(seq, body)` to the room, and each subscriber runs the
 * same order check on that `seq`. See bench/README.md, "(f) Fan-out".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import { io, type Socket } from 'socket.io-client';
import { DESTINATION_FLAVOR, type Body, type Publisher } from './fanout';
import { Subscriber, SubscriberGroup } from './fanoutSubscribers';
import { ServerProcess } from './ServerProcess';

/** The two Socket.IO servers of a run, their room, and the Redis server's pid when its CPU time can be read here. */
export interface SocketIoServers {
  io1: ServerProcess;
  io2: ServerProcess;
  room: string;
  redisPid?: number;
}

/** Redis's `INFO server` process_id, if it names a readable local redis-server process (not one in another host or namespace). */
export function localRedisPid(info: string): number | undefined {
  const m = /^process_id:(\d+)\s*$/m.exec(info);
  if (!m) return undefined;
  try {
    return fs.readFileSync(`/proc/${m[1]}/comm`, 'utf8').includes('redis') ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** What the bench learns of the Socket.IO peer's Redis before it starts anything. */
export interface RedisInfo {
  url: string;
  version?: string;
  /** redis-server's pid when its CPU time can be read here (a local process), else undefined. */
  pid?: number;
}

/**
 * Connects once to Redis (no retries) and reads `INFO server`; throws a clear error if Redis cannot
 * be reached. The bench calls it first, so a missing Redis fails it before any measurement.
 */
export async function probeRedis(url: string): Promise<RedisInfo> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 3000 } });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect();
    const info = await client.info('server');
    return { url, version: /^redis_version:(\S+)/m.exec(info)?.[1], pid: localRedisPid(info) };
  } catch (err) {
    const why = (lastError ?? (err as Error)).message || String(err);
    throw new Error(`(f) Socket.IO peer: Redis at ${url} is not reachable (${why}). Start Redis, point --redis-url at one, or pass --no-socketio to leave the Socket.IO row out.`);
  } finally {
    if (client.isOpen) await client.close();
  }
}

/** Checks Redis, then starts the two Socket.IO servers on a room (and adapter channel prefix) of this bench run. */
export async function startSocketIoServers(opts: { root: string; logDir: string; redis: RedisInfo; log: (line: string) => void }): Promise<SocketIoServers> {
  const { url: redisUrl, pid: redisPid } = opts.redis;
  const room = `actorgrid-bench-${process.pid}-${Date.now()}`;
  const start = (i: number): Promise<ServerProcess> =>
    ServerProcess.start({
      name: `socket.io server ${i}`,
      script: path.join(__dirname, 'socketIoServer.js'),
      args: ['--redis-url', redisUrl, '--room', room],
      cwd: opts.root,
      logFile: path.join(opts.logDir, `socketio-${i}.log`),
    });
  const io1 = await start(1);
  const io2 = await start(2).catch(async (err: unknown) => {
    await io1.stop();
    throw err;
  });
  opts.log(
    `(f) socket.io + redis adapter ${io1.url} (pid ${io1.pid}), ${io2.url} (pid ${io2.pid}); redis ${redisUrl} (${redisPid === undefined ? 'its CPU time is not readable here' : `pid ${redisPid}`}), room ${room}`,
  );
  return { io1, io2, room, redisPid };
}

/** A connected socket.io-client socket: its own connection (no multiplexing), websocket transport only, no reconnects. */
function connect(url: string, role: 'sub' | 'pub'): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { role } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => (socket.close(), reject(err)));
  });
}

/**
 * A subscriber on one Socket.IO server: every `m(seq, body)` goes through the same order check as
 * the other sides. Frame size and arrival time are taken from the engine.io packet, before
 * socket.io's parser (as the WebSocket sides take them before JSON.parse).
 */
async function openSubscriber(url: string, group: SubscriberGroup): Promise<Subscriber> {
  const socket = await connect(url, 'sub');
  const sub = new Subscriber(group, {
    close: async () => {
      socket.disconnect();
    },
  });
  let frameBytes = 0;
  let arrivedAt = 0;
  socket.io.engine.on('packet', (packet) => {
    if (packet.type !== 'message') return;
    arrivedAt = performance.now();
    // The WebSocket frame is the engine.io type digit ('4') followed by the packet's data.
    frameBytes = 1 + (typeof packet.data === 'string' ? Buffer.byteLength(packet.data) : (packet.data?.byteLength ?? 0));
  });
  socket.on('m', (seq: number, body: Body) => sub.receive({ kind: 'item', subscription: '', seq, body }, frameBytes, arrivedAt));
  return sub;
}

/** One socket.io-client connection to server 1; every message is one `pub(seq, body)` event, not acknowledged (as the raw publisher's). */
export class SocketIoPublisher implements Publisher {
  readonly side = 'socketio';
  nextSeq = 0;

  private constructor(private readonly socket: Socket) {}

  static async open(url: string): Promise<SocketIoPublisher> {
    return new SocketIoPublisher(await connect(url, 'pub'));
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  async publish(body: Body): Promise<number> {
    if (!this.socket.connected) throw new Error('socket.io publisher disconnected');
    const seq = this.nextSeq++;
    this.socket.emit('pub', seq, body);
    return seq;
  }

  async close(): Promise<void> {
    this.socket.disconnect();
  }
}

/** The Socket.IO side of (f): subscribers alternating between the two servers, the publisher on server 1. */
export async function openSocketIoSide(servers: SocketIoServers): Promise<{ group: SubscriberGroup; publisher: SocketIoPublisher }> {
  const publisher = await SocketIoPublisher.open(servers.io1.url);
  const group = new SubscriberGroup('socketio', DESTINATION_FLAVOR, [servers.io1.url, servers.io2.url], () => publisher.nextSeq, openSubscriber);
  return { group, publisher };
}
