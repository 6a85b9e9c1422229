import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { sharedObjectSuite } from './sharedObjectSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  sharedObjectSuite(() => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) }));
});
