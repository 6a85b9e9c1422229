import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { destinationCompactSuite } from './destinationCompactSuite';
import { destinationSuite } from './destinationSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  const setup = () => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) });
  destinationSuite(setup);
  destinationCompactSuite(setup);
});
