import { Client, JsonStringDeserializationPolicy, LifecycleState, ReconnectMode } from 'hazelcast-client';

type HazelcastClient = Awaited<ReturnType<typeof Client.newHazelcastClient>>;
import type { Grid, GridMap, GridMember, GridStream, MapFormat, MapValue, MembershipEvent, StreamOptions } from '../Grid';
import { streamTier } from '../Grid';
import { call } from './hazelcastErrors';
import { HazelcastMap } from './HazelcastMap';
import { HazelcastStream } from './HazelcastStream';
import { SendWindow } from './SendWindow';

/** How to reach a Hazelcast cluster. */
export interface HazelcastGridOptions {
  /** The cluster's name. @default "actorgrid" */
  clusterName?: string;
  /** Member addresses, `host:port`. @default ["127.0.0.1:5701"] */
  members?: string[];
  /** How long to keep trying to (re)connect before calls fail with UNAVAILABLE. @default 10000 */
  connectTimeoutMs?: number;
  /** How long one grid call may take, retries included. @default 30000 */
  invocationTimeoutMs?: number;
  /** A name for this client in the members' logs. */
  instanceName?: string;
}

/**
 * The Hazelcast adapter of the Grid port; the only code that imports hazelcast-client.
 *
 * Uses hazelcast-client 5.6.0: 5.7.0 declares node >=20.22 and our machines run 20.20.2. Note that the
 * Node client sends thread id 0 on every lock call, so lock ownership is per client instance.
 *
 * @example
 * const grid = await HazelcastGrid.connect({ clusterName: 'dev', members: ['127.0.0.1:5701'] });
 */
export class HazelcastGrid implements Grid {
  readonly kind = 'hazelcast' as const;
  private readonly maps = new Map<string, HazelcastMap<MapValue>>();
  /** Gathers the maps' key operations of one loop iteration into one socket write. */
  private readonly window = new SendWindow();
  private readonly streams = new Map<string, HazelcastStream>();
  private connected = true;

  private constructor(private readonly client: HazelcastClient) {}

  /** Connects to the cluster; rejects if no member answers within `connectTimeoutMs`. */
  static async connect(options: HazelcastGridOptions = {}): Promise<HazelcastGrid> {
    let grid: HazelcastGrid | undefined;
    const connectTimeoutMs = options.connectTimeoutMs ?? 10000;
    const client = await call(() =>
      Client.newHazelcastClient({
        clusterName: options.clusterName ?? 'actorgrid',
        ...(options.instanceName ? { instanceName: options.instanceName } : {}),
        network: { clusterMembers: options.members ?? ['127.0.0.1:5701'] },
        connectionStrategy: {
          asyncStart: false,
          reconnectMode: ReconnectMode.ON,
          connectionRetry: { clusterConnectTimeoutMillis: connectTimeoutMs, initialBackoffMillis: 100, maxBackoffMillis: 2000 },
        },
        serialization: { jsonStringDeserializationPolicy: JsonStringDeserializationPolicy.EAGER },
        lifecycleListeners: [
          (state: LifecycleState) => {
            if (!grid) return;
            if (state === LifecycleState.CONNECTED) grid.connected = true;
            if (state === LifecycleState.DISCONNECTED || state === LifecycleState.SHUTTING_DOWN) grid.connected = false;
          },
        ],
        properties: {
          'hazelcast.client.invocation.timeout.millis': options.invocationTimeoutMs ?? 30000,
          'hazelcast.logging.level': 'OFF',
        },
      }),
    );
    grid = new HazelcastGrid(client);
    return grid;
  }

  map<V extends MapValue = Buffer>(name: string, format: MapFormat = 'binary'): GridMap<V> {
    let map = this.maps.get(name);
    if (!map) {
      const proxy = this.client.getMap<string, never>(name);
      proxy.catch(() => undefined); // surfaced by the first call on the map
      this.maps.set(name, (map = new HazelcastMap(name, format, proxy, this.window)));
    } else if (map.format !== format) {
      throw new TypeError(`map ${name} holds ${map.format} values, not ${format}`);
    }
    return map as unknown as GridMap<V>;
  }

  stream(name: string, options: StreamOptions = {}): GridStream {
    const capacity = streamTier(options.capacity);
    const full = `${name}.cap${capacity}`;
    let stream = this.streams.get(full);
    if (!stream) {
      const proxy = this.client.getRingbuffer<Buffer>(full);
      proxy.catch(() => undefined);
      this.streams.set(full, (stream = new HazelcastStream(name, capacity, proxy)));
    }
    return stream;
  }

  async members(): Promise<GridMember[]> {
    return this.client
      .getCluster()
      .getMembers()
      .map((m) => ({ id: m.uuid.toString(), address: `${m.address.host}:${m.address.port}` }));
  }

  onMembershipChange(listener: (event: MembershipEvent) => void): () => void {
    const toMember = (m: { uuid: { toString(): string }; address: { host: string; port: number } }): GridMember => ({
      id: m.uuid.toString(),
      address: `${m.address.host}:${m.address.port}`,
    });
    const id = this.client.getCluster().addMembershipListener({
      memberAdded: (e) => listener({ type: 'joined', member: toMember(e.member) }),
      memberRemoved: (e) => listener({ type: 'left', member: toMember(e.member) }),
    });
    return () => void this.client.getCluster().removeMembershipListener(id);
  }

  isConnected(): boolean {
    return this.connected && this.client.getLifecycleService().isRunning();
  }

  async shutdown(): Promise<void> {
    this.connected = false;
    await this.client.shutdown();
  }
}
