import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { container, injectable } from 'tsyringe';
import { Action, Actor, ActorRegistry, applyState, Query, readState, State, StateCodec } from '../../src/actor';

@injectable()
class Clock {
  now(): number {
    return 1000;
  }
}

class Base {
  @State() createdAt = 0;
}

@Actor('Ledger')
class Ledger extends Base {
  @State() entries: number[] = [];
  @State() owner = 'nobody';
  cache = new Map<string, number>();

  constructor(private readonly clock: Clock) {
    super();
  }

  @Action() add(amount: number): number {
    if (this.createdAt === 0) this.createdAt = this.clock.now();
    this.entries.push(amount);
    return this.entries.length;
  }

  @Query() total(): number {
    return this.entries.reduce((a, b) => a + b, 0);
  }
}

const type = new ActorRegistry().register(Ledger).type('Ledger');

describe('readState and applyState', () => {
  it('reads exactly the @State fields, base class first', () => {
    const ledger = new Ledger(new Clock());
    ledger.add(5);
    const state = readState(ledger, type);
    assert.deepEqual(Object.keys(state), ['createdAt', 'entries', 'owner']);
    assert.deepStrictEqual(state, { createdAt: 1000, entries: [5], owner: 'nobody' });
  });

  it('assigns persisted fields and keeps initializers for fields the record lacks', () => {
    const ledger = new Ledger(new Clock());
    applyState(ledger, type, { entries: [1, 2], createdAt: 7 });
    assert.deepStrictEqual(ledger.entries, [1, 2]);
    assert.equal(ledger.createdAt, 7);
    assert.equal(ledger.owner, 'nobody');
  });

  it('ignores keys that are not @State fields', () => {
    const ledger = new Ledger(new Clock());
    applyState(ledger, type, { cache: 'overwritten?', removedField: 1, clock: null, owner: 'ann' });
    assert.ok(ledger.cache instanceof Map);
    assert.equal(ledger.total(), 0);
    assert.equal(ledger.add(1), 1); // clock still injected
    assert.equal(ledger.owner, 'ann');
    assert.equal('removedField' in ledger, false);
  });

  it('refuses a state that is not an object', () => {
    for (const bad of [null, 5, 'x', [1]]) assert.throws(() => applyState(new Ledger(new Clock()), type, bad), /state of actor type Ledger must be an object/);
  });

  it('works with instances from a tsyringe child container, never persisting services', () => {
    const nodeContainer = container.createChildContainer();
    const codec = new StateCodec();
    const first = nodeContainer.resolve(type.ctor) as Ledger;
    assert.ok(first instanceof Ledger);
    type.method('add').invoke(first, type.method('add').checkArgs([3]));
    const bytes = codec.encode(readState(first, type));

    const second = nodeContainer.resolve(type.ctor) as Ledger;
    assert.notEqual(second, first);
    assert.deepEqual(second.entries, []);
    applyState(second, type, codec.decode(bytes));
    assert.equal(type.method('total').invoke(second, []), 3);
    assert.equal(second.createdAt, 1000);
    const persisted = codec.decode(bytes) as Record<string, unknown>;
    assert.deepEqual(Object.keys(persisted), ['createdAt', 'entries', 'owner']);
  });
});
