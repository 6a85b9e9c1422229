/**
 * Counts the Hazelcast IMap operations a process issues (one client invocation, i.e. one round trip,
 * each), by wrapping the methods of hazelcast-client's MapProxy prototype. Bench tooling only: it
 * lets the bench report grid round trips per call for the node (through childAgent) and check the
 * raw baseline loops (in the bench process) with the same counter. Costs one increment per call.
 *
 * Also counts the client's socket writes (`writes`: batches its auto-pipelining writer coalesced)
 * and reads (`reads`: 'data' events), to show how well round trips share syscalls.
 */
export type GridOpCounts = Record<string, number>;

const COUNTED = ['get', 'set', 'put', 'lock', 'tryLock', 'unlock', 'replaceIfSame', 'putIfAbsent', 'remove', 'delete'] as const;

let installed: GridOpCounts | undefined;

/** Installs the counter once per process and returns the live counts. */
export function installGridOpCounter(): GridOpCounts {
  if (installed) return installed;
  const counts: GridOpCounts = Object.fromEntries(COUNTED.map((m) => [m, 0]));
  const { MapProxy } = require('hazelcast-client/lib/proxy/MapProxy') as { MapProxy: { prototype: Record<string, unknown> } };
  for (const method of COUNTED) {
    const original = MapProxy.prototype[method] as (...args: unknown[]) => unknown;
    MapProxy.prototype[method] = function counted(this: unknown, ...args: unknown[]): unknown {
      counts[method] += 1;
      return original.apply(this, args);
    };
  }
  // Ringbuffer operations (destination and shared-object streams): appends, batch reads and the
  // sequence queries (a feed's tail checks, an outbox repair's scan), one round trip each.
  const { RingbufferProxy } = require('hazelcast-client/lib/proxy/ringbuffer/RingbufferProxy') as { RingbufferProxy: { prototype: Record<string, unknown> } };
  for (const [method, key] of [['add', 'rbAdd'], ['readMany', 'rbReadMany'], ['tailSequence', 'rbTail'], ['headSequence', 'rbHead']] as const) {
    const original = RingbufferProxy.prototype[method] as (...args: unknown[]) => unknown;
    counts[key] = 0;
    RingbufferProxy.prototype[method] = function counted(this: unknown, ...args: unknown[]): unknown {
      counts[key] += 1;
      return original.apply(this, args);
    };
  }
  const connection = require('hazelcast-client/lib/network/Connection') as Record<string, { prototype: Record<string, unknown> }>;
  counts.writes = 0;
  counts.reads = 0;
  const writer = connection.PipelinedWriter.prototype;
  const process = writer.process as (this: { queue: unknown[] }) => void;
  writer.process = function countedProcess(this: { queue: unknown[] }): void {
    if (this.queue.length > 0) counts.writes += 1;
    process.call(this);
  };
  const reader = connection.ClientMessageReader.prototype;
  const append = reader.append as (this: unknown, buffer: Buffer) => void;
  reader.append = function countedAppend(this: unknown, buffer: Buffer): void {
    counts.reads += 1;
    append.call(this, buffer);
  };
  installed = counts;
  return counts;
}

/** `after - before`, per operation, dropping zeros. */
export function diffCounts(before: GridOpCounts, after: GridOpCounts): GridOpCounts {
  const out: GridOpCounts = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}
