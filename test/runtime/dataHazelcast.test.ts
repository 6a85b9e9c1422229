import { sharedCluster } from '../support/cluster';
import { dataSuite } from './dataSuite';

describe('hazelcast grid', function () {
  dataSuite(() => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast', clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  });
});
