import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { gridContract } from './gridContract';

const store = new MemoryGridStore();
gridContract('memory', () => ({ connect: async () => new MemoryGrid(store) }));
