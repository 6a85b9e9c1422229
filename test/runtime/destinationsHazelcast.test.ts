import { sharedCluster } from '../support/cluster';
import { destinationSuite } from './destinationSuite';

describe('hazelcast grid', function () {
  destinationSuite(() => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast', clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  });
});
