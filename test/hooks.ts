import type { RootHookObject } from 'mocha';
import { startSharedCluster, stopSharedCluster } from './support/cluster';

/**
 * Mocha root hooks (loaded through .mocharc.json `require`): one real 2-member Hazelcast cluster
 * per test run, shared by all test files (serial mode; in --parallel mode these would run once
 * per file). Tests reach it through `sharedCluster()` in test/support/cluster.ts.
 */
export const mochaHooks: RootHookObject = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    await startSharedCluster();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await stopSharedCluster();
  },
};
