import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { invokerSuite } from './invokerSuite';

const store = new MemoryGridStore();
invokerSuite('memory', async () => new MemoryGrid(store));
