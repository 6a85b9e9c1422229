import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { dataSuite } from './dataSuite';
import { dataWatchSuite } from './dataWatchSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  const setup = () => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) });
  dataSuite(setup);
  dataWatchSuite(setup);
});
