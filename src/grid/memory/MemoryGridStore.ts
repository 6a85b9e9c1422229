import { randomUUID } from 'node:crypto';
import type { MapFormat } from '../Grid';
import { MemoryMapStore } from './MemoryMapStore';
import { MemoryStreamStore } from './MemoryStreamStore';

/**
 * The data of an in-process grid: what a Hazelcast cluster holds, for one process. Every MemoryGrid
 * client attached to the same store sees the same maps, locks and streams, so two clients stand for
 * two nodes in tests. A node that runs alone creates its own store.
 */
export class MemoryGridStore {
  /** The single member's id. */
  readonly memberId = randomUUID();
  private readonly maps = new Map<string, MemoryMapStore>();
  private readonly streams = new Map<string, MemoryStreamStore>();

  map(name: string, format: MapFormat): MemoryMapStore {
    let store = this.maps.get(name);
    if (!store) this.maps.set(name, (store = new MemoryMapStore(name, format)));
    else if (store.format !== format) throw new TypeError(`map ${name} holds ${store.format} values, not ${format}`);
    return store;
  }

  stream(name: string, capacity: number): MemoryStreamStore {
    const key = `${name}.cap${capacity}`;
    let store = this.streams.get(key);
    if (!store) this.streams.set(key, (store = new MemoryStreamStore(name, capacity)));
    return store;
  }

  /** Releases what a client held, as a cluster does when a client disconnects. */
  dropOwner(owner: string): void {
    for (const map of this.maps.values()) map.dropOwner(owner);
  }
}
