import { sharedCluster } from '../support/cluster';
import { sharedObjectCompactSuite } from './sharedObjectCompactSuite';
import { sharedObjectSuite } from './sharedObjectSuite';

describe('hazelcast grid', function () {
  const setup = () => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast' as const, clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  };
  sharedObjectSuite(setup);
  sharedObjectCompactSuite(setup);
});
