import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { destinationSuite } from './destinationSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  destinationSuite(() => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) }));
});
