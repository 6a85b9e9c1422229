import { sharedCluster } from '../support/cluster';
import { destinationCompactSuite } from './destinationCompactSuite';
import { destinationSuite } from './destinationSuite';

describe('hazelcast grid', function () {
  const setup = () => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast' as const, clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  };
  destinationSuite(setup);
  destinationCompactSuite(setup);
});
