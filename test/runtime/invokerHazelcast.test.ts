import { HazelcastGrid } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { invokerSuite } from './invokerSuite';
import { optimisticSuite } from './optimisticSuite';

const connect = () => {
  const cluster = sharedCluster();
  return HazelcastGrid.connect({ clusterName: cluster.clusterName, members: cluster.addresses() });
};

invokerSuite('hazelcast', connect);
optimisticSuite('hazelcast', connect);
