import 'reflect-metadata';
import { container } from 'tsyringe';
import { ActorRegistry, StateCodec, type ActorType, type Constructor } from '../../src/actor';
import { loadConfig } from '../../src/config';
import type { Grid } from '../../src/grid';
import { Invoker, type InvokerOptions } from '../../src/runtime/Invoker';
import { Logger } from '../../src/runtime/Logger';
import type { RecordStore } from '../../src/runtime/RecordStore';

/** Defaults for in-process invokers in tests: short waits so failure paths are quick. */
export const TEST_INVOKER_OPTIONS: InvokerOptions = {
  lockWaitMs: 5000,
  leaseMs: 15000,
  maxBatch: 64,
  nestedLockWaitMs: 50,
  maxNestedRetries: 200,
  callTimeoutMs: 30000,
  holdMs: 20,
  optimistic: true,
  cacheEntries: 10000,
  idempotency: { maxEntries: 128, maxAgeMs: 3_600_000 },
  reminders: loadConfig({ env: {} }).reminders,
};

/**
 * An invoker over `grid`, as a node builds it, without the transports: a "node" inside the test
 * process. `storeOf` replaces a type's record store (e.g. to count what turns ask of it).
 */
export function inProcessInvoker(grid: Grid, classes: Constructor[], options: Partial<InvokerOptions> = {}, storeOf?: (type: ActorType) => RecordStore | undefined): Invoker {
  const registry = new ActorRegistry().register(...classes).seal();
  const log = new Logger(process.env.ACTORGRID_TEST_LOG ? 'debug' : 'silent');
  return new Invoker(grid, registry, new StateCodec(), container.createChildContainer(), log, { ...TEST_INVOKER_OPTIONS, ...options }, undefined, storeOf);
}
