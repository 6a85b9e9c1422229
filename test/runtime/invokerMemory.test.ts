import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { invokerSuite } from './invokerSuite';
import { optimisticSuite } from './optimisticSuite';

const store = new MemoryGridStore();
invokerSuite('memory', async () => new MemoryGrid(store));
optimisticSuite('memory', async () => new MemoryGrid(store));
