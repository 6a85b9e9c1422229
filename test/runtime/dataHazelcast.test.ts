import { sharedCluster } from '../support/cluster';
import type { GridSetup } from '../support/suiteNodes';
import { dataSuite } from './dataSuite';
import { dataWatchSuite } from './dataWatchSuite';

describe('hazelcast grid', function () {
  const setup = (): GridSetup => {
    const cluster = sharedCluster();
    return { name: 'hazelcast', config: () => ({ grid: { kind: 'hazelcast', clusterName: cluster.clusterName, members: cluster.addresses() } }) };
  };
  dataSuite(setup);
  dataWatchSuite(setup);
});
