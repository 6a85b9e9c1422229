import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { reminderSuite } from './reminderSuite';

const store = new MemoryGridStore();
describe('memory grid', function () {
  reminderSuite(() => ({ name: 'memory', config: () => ({}), grid: () => new MemoryGrid(store) }));
});
