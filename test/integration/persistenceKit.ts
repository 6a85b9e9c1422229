import { Client, type IMap } from 'hazelcast-client';
import { StateCodec } from '../../src/actor/StateCodec';
import type { ActorRecord } from '../../src/runtime/ActorRecord';
import { HazelcastHarness } from '../../scripts/harness/HazelcastHarness';
import type { MemberPersistenceOptions } from '../../scripts/harness/MemberPersistence';
import type { NodeGridOption } from '../support/NodeProcess';

const codec = new StateCodec();

/**
 * Starts a cluster of its own whose members persist `actor.*` and `data.*` to PostgreSQL. Push it
 * on `clusters` before starting, so an `after` hook stops it even when the start fails.
 */
export async function startPersistedCluster(
  clusters: HazelcastHarness[],
  members: number,
  persistence: MemberPersistenceOptions,
): Promise<HazelcastHarness> {
  const cluster = new HazelcastHarness({
    members,
    persistence,
    log: process.env.ACTORGRID_HARNESS_LOG ? (line) => console.error(`[hazelcast] ${line}`) : undefined,
  });
  clusters.push(cluster);
  await cluster.start();
  return cluster;
}

/** The NodeProcess grid option for a harness cluster. */
export function gridOf(cluster: HazelcastHarness): NodeGridOption {
  return { clusterName: cluster.clusterName, members: cluster.addresses() };
}

/** A stored actor record (msgpack) and its decoded @State fields. */
export function decodeRecord(bytes: Buffer): { record: ActorRecord; state: Record<string, unknown> } {
  const record = codec.decode(bytes) as ActorRecord;
  const state = record.s ? (codec.decode(record.s) as Record<string, unknown>) : {};
  return { record, state };
}

/**
 * Evicts every entry of `map` from the members' memory (IMap.evictAll: never deletes from the
 * MapStore), with a raw client: the Grid port has no eviction, since the runtime never evicts.
 */
export async function evictAll(cluster: HazelcastHarness, map: string): Promise<void> {
  await withRawMap(cluster, map, (m) => m.evictAll());
}

/** How many entries of `map` the members hold in memory (IMap.size: never loads from the MapStore). */
export async function inMemorySize(cluster: HazelcastHarness, map: string): Promise<number> {
  return withRawMap(cluster, map, (m) => m.size());
}

async function withRawMap<T>(cluster: HazelcastHarness, map: string, use: (m: IMap<string, unknown>) => Promise<T>): Promise<T> {
  const client = await Client.newHazelcastClient({
    clusterName: cluster.clusterName,
    network: { clusterMembers: cluster.addresses() },
    properties: { 'hazelcast.logging.level': 'OFF' },
  });
  try {
    return await use(await client.getMap<string, unknown>(map));
  } finally {
    await client.shutdown();
  }
}
