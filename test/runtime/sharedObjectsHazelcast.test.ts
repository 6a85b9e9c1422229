import { sharedCluster } from '../support/cluster';
import { sharedObjectSuite } from './sharedObjectSuite';

describe('hazelcast grid', function () {
  sharedObjectSuite(() => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast', clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  });
});
