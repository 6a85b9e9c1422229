import { randomUUID } from 'node:crypto';
import type { Grid, GridMap, GridMember, GridStream, MapFormat, MapValue, MembershipEvent, StreamOptions } from '../Grid';
import { streamTier } from '../Grid';
import { UnavailableError } from '../../errors';
import { MemoryGridStore } from './MemoryGridStore';
import { MemoryMap } from './MemoryMap';
import { MemoryStream } from './MemoryStream';

/**
 * The embedded grid: a Grid client over an in-process MemoryGridStore. It keeps Hazelcast's semantics
 * where the runtime depends on them: locks owned per client and reentrant, leases that force-release,
 * writes that wait for another client's lock, compare-and-set on serialized values, asynchronous entry
 * events, and bounded streams that overwrite their oldest items.
 *
 * @example
 * const grid = new MemoryGrid();                 // a single embedded node
 * const store = new MemoryGridStore();           // or two "nodes" sharing one grid, in tests
 * const a = new MemoryGrid(store), b = new MemoryGrid(store);
 */
export class MemoryGrid implements Grid {
  readonly kind = 'memory' as const;
  /** This client's identity: the owner of its locks. */
  readonly clientId = randomUUID();
  private readonly maps = new Map<string, MemoryMap<MapValue>>();
  private readonly streams = new Map<string, MemoryStream>();
  private closed = false;

  constructor(readonly store: MemoryGridStore = new MemoryGridStore()) {}

  map<V extends MapValue = Buffer>(name: string, format: MapFormat = 'binary'): GridMap<V> {
    let map = this.maps.get(name);
    if (!map) this.maps.set(name, (map = new MemoryMap(this, this.store.map(name, format))));
    else if (map.store.format !== format) throw new TypeError(`map ${name} holds ${map.store.format} values, not ${format}`);
    return map as unknown as GridMap<V>;
  }

  stream(name: string, options: StreamOptions = {}): GridStream {
    const capacity = streamTier(options.capacity);
    const key = `${name}.cap${capacity}`;
    let stream = this.streams.get(key);
    if (!stream) this.streams.set(key, (stream = new MemoryStream(this, this.store.stream(name, capacity))));
    return stream;
  }

  async members(): Promise<GridMember[]> {
    this.check();
    return [{ id: this.store.memberId, address: 'embedded' }];
  }

  onMembershipChange(_listener: (event: MembershipEvent) => void): () => void {
    return () => undefined; // one embedded member: it never changes
  }

  isConnected(): boolean {
    return !this.closed;
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.store.dropOwner(this.clientId);
  }

  /** Fails calls made after shutdown, as a closed Hazelcast client does. */
  check(): void {
    if (this.closed) throw new UnavailableError('the grid client is shut down');
  }
}
