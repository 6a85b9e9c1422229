export * from './Grid';
export * from './GridErrors';
export * from './Predicate';
export { MemoryGrid } from './memory/MemoryGrid';
export { MemoryGridStore } from './memory/MemoryGridStore';
export { HazelcastGrid, type HazelcastGridOptions } from './hazelcast/HazelcastGrid';
