import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { dataSuite } from './dataSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  dataSuite(() => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) }));
});
