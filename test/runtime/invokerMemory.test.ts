import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { invokerSuite } from './invokerSuite';
import { optimisticSuite } from './optimisticSuite';
import { turnPathSuite } from './turnPathSuite';

const store = new MemoryGridStore();
invokerSuite('memory', async () => new MemoryGrid(store));
optimisticSuite('memory', async () => new MemoryGrid(store));
turnPathSuite('memory', async () => new MemoryGrid(store));
