import { HazelcastGrid } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { NodeGroup } from '../support/NodeProcess';
import { uniqueName } from '../support/waitFor';
import { nodesSuite } from './nodesSuite';

/**
 * The end-to-end suite (nodesSuite.ts) against real node processes: three nodes on the shared
 * 2-member Hazelcast cluster, and one node on the embedded memory grid.
 */
describe('node processes', function () {
  describe('on Hazelcast', function () {
    const group = new NodeGroup();
    after(() => group.stopAll());
    const grid = () => ({ clusterName: sharedCluster().clusterName, members: sharedCluster().addresses() });
    const id = uniqueName('hz');
    nodesSuite(
      {
        name: '3 nodes on a 2-member Hazelcast cluster',
        startNodes: (g) => g.startMany(3, { grid: grid(), id }),
        startExtraNode: (g) => g.start({ grid: grid(), id: `${id}-extra` }),
        connectGrid: () => HazelcastGrid.connect({ clusterName: sharedCluster().clusterName, members: sharedCluster().addresses() }),
      },
      () => group,
    );
  });

  describe('on the memory grid', function () {
    const group = new NodeGroup();
    after(() => group.stopAll());
    const id = uniqueName('mem');
    nodesSuite(
      {
        name: '1 node on the embedded memory grid',
        startNodes: async (g) => [await g.start({ grid: 'memory', id })],
        startExtraNode: (g) => g.start({ grid: 'memory', id: `${id}-extra` }),
      },
      () => group,
    );
  });
});
