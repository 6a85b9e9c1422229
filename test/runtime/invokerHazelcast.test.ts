import { HazelcastGrid } from '../../src/grid';
import { sharedCluster } from '../support/cluster';
import { invokerSuite } from './invokerSuite';
import { optimisticSuite } from './optimisticSuite';
import { turnPathSuite } from './turnPathSuite';

const connect = (): Promise<HazelcastGrid> => {
  const cluster = sharedCluster();
  return HazelcastGrid.connect({ clusterName: cluster.clusterName, members: cluster.addresses() });
};

invokerSuite('hazelcast', connect);
optimisticSuite('hazelcast', connect);
turnPathSuite('hazelcast', connect);
