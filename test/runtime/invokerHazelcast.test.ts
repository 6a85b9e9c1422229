import { HazelcastGrid } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { invokerSuite } from './invokerSuite';

invokerSuite('hazelcast', () => {
  const cluster = sharedCluster();
  return HazelcastGrid.connect({ clusterName: cluster.clusterName, members: cluster.addresses() });
});
