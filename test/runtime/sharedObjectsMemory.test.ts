import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { sharedObjectCompactSuite } from './sharedObjectCompactSuite';
import { sharedObjectSuite } from './sharedObjectSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  const setup = () => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) });
  sharedObjectSuite(setup);
  sharedObjectCompactSuite(setup);
});
