import { sharedCluster } from '../support/cluster';
import { reminderSuite } from './reminderSuite';

describe('hazelcast grid', function () {
  reminderSuite(() => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast', clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  });
});
