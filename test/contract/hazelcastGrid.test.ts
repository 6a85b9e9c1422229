import { HazelcastGrid } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { gridContract } from './gridContract';

gridContract('hazelcast (2-member cluster)', () => ({
  connect: () => {
    const cluster = sharedCluster();
    return HazelcastGrid.connect({ clusterName: cluster.clusterName, members: cluster.addresses() });
  },
}));
