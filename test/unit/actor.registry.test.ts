import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { Action, Actor, ActorRegistry, Query, RegistryError, State, type RegistryErrorReason } from '../../src/actor';
import { ActorGridError, type ErrorCode } from '../../src/errors';

/** Asserts that `fn` throws a RegistryError with `reason` whose message mentions `mentions`. */
function throwsReason(fn: () => unknown, reason: RegistryErrorReason, mentions: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.match(err.message, mentions);
    return true;
  });
}

/** Asserts that `fn` throws an ActorGridError with `code` and the given `data` entries. */
function throwsCode(fn: () => unknown, code: ErrorCode, data: Record<string, unknown> = {}): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ActorGridError, `expected an ActorGridError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    for (const [key, value] of Object.entries(data)) assert.deepStrictEqual(err.data?.[key], value, key);
    return true;
  });
}

@Actor('Counter', { description: 'counts' })
class CounterImpl {
  @State() count = 0;
  notPersisted = 'x';
  @Action() increment(by: number = 1): number {
    return (this.count += by);
  }
  @Query() get(): number {
    return this.count;
  }
  @Action({ name: 'reset' }) zero(): void {
    this.count = 0;
  }
  helper(): number {
    return 42;
  }
}

class NotAnActor {
  @Action() act(): void {}
}

@Actor('Stateless')
class Stateless {
  @Query() ping(): string {
    return 'pong';
  }
}

/** Not an actor itself: its members count for subclasses. */
class Base {
  @State() a = 1;
  @State() shared = 'base';
  @Action() baseAction(): string {
    return 'base';
  }
  @Action() overridden(): string {
    return 'base';
  }
  @Action() redeclared(): string {
    return 'base';
  }
}

@Actor('Derived')
class Derived extends Base {
  @State() b = 2;
  @State() override shared = 'derived';
  override overridden(): string {
    return 'derived';
  }
  @Query() override redeclared(): string {
    return 'derived';
  }
  @Query() own(): number {
    return this.a + this.b;
  }
}

class SubclassWithoutActor extends CounterImpl {}

describe('actor decorators and ActorRegistry', () => {
  it('registers a class under its @Actor name, not constructor.name', () => {
    const registry = new ActorRegistry().register(CounterImpl);
    const type = registry.type('Counter');
    assert.equal(type.name, 'Counter');
    assert.equal(type.ctor, CounterImpl);
    assert.equal(type.description, 'counts');
    assert.equal(registry.typeOf(CounterImpl), type);
    assert.equal(registry.has('CounterImpl'), false);
    assert.deepEqual(type.stateKeys, ['count']);
    assert.deepEqual([...type.methods.keys()].sort(), ['get', 'increment', 'reset']);
    assert.equal(type.method('increment').kind, 'action');
    assert.equal(type.method('get').kind, 'query');
    assert.equal(type.method('reset').property, 'zero');
    assert.deepEqual(registry.types(), [type]);
  });

  it('records metadata only: decorating a class registers it nowhere', () => {
    assert.deepEqual(new ActorRegistry().types(), []);
    assert.deepEqual(Object.keys(CounterImpl), []);
    assert.deepEqual(Object.keys(new CounterImpl()), ['count', 'notPersisted']);
  });

  it('keeps registries apart', () => {
    const one = new ActorRegistry().register(CounterImpl);
    const two = new ActorRegistry().register(Stateless);
    assert.equal(one.has('Stateless'), false);
    assert.equal(two.has('Counter'), false);
  });

  it('invokes the registered function with the instance as this', () => {
    const type = new ActorRegistry().register(CounterImpl).type('Counter');
    const instance = new CounterImpl();
    assert.equal(type.method('increment').invoke(instance, [5]), 5);
    // an own field of the same name does not shadow the method
    Object.defineProperty(instance, 'increment', { value: () => -1 });
    assert.equal(type.method('increment').invoke(instance, [1]), 6);
  });

  it('refuses what is not an actor: NOT_AN_ACTOR', () => {
    throwsReason(() => new ActorRegistry().register(NotAnActor), 'NOT_AN_ACTOR', /NotAnActor/);
    throwsReason(() => new ActorRegistry().register(SubclassWithoutActor), 'NOT_AN_ACTOR', /SubclassWithoutActor/);
    throwsReason(() => new ActorRegistry().register({} as never), 'NOT_AN_ACTOR', /not a class/);
  });

  it('refuses bad actor and method names: BAD_NAME', () => {
    for (const name of ['', '1abc', 'has/slash', 'with space', 'a'.repeat(65)]) {
      @Actor(name)
      class Named {
        @Action() act(): void {}
      }
      throwsReason(() => new ActorRegistry().register(Named), 'BAD_NAME', /class Named/);
    }
    @Actor('a'.repeat(64))
    class LongestName {
      @Action() act(): void {}
    }
    assert.ok(new ActorRegistry().register(LongestName).has('a'.repeat(64)));

    @Actor('Thenable')
    class Thenable {
      @Action() then(): void {}
    }
    throwsReason(() => new ActorRegistry().register(Thenable), 'BAD_NAME', /Thenable\.then.*reserved/);
    @Actor('Wire')
    class Wire {
      @Action({ name: 'to/String' }) act(): void {}
    }
    throwsReason(() => new ActorRegistry().register(Wire), 'BAD_NAME', /Wire\.act/);
    @Actor('Reserved')
    class Reserved {
      @Action({ name: 'toJSON' }) act(): void {}
    }
    throwsReason(() => new ActorRegistry().register(Reserved), 'BAD_NAME', /reserved/);
  });

  it('refuses a second type of the same name: DUPLICATE_TYPE', () => {
    @Actor('Counter')
    class OtherCounter {
      @Action() act(): void {}
    }
    const registry = new ActorRegistry().register(CounterImpl);
    throwsReason(() => registry.register(OtherCounter), 'DUPLICATE_TYPE', /OtherCounter.*"Counter".*CounterImpl/);
    throwsReason(() => registry.register(CounterImpl), 'DUPLICATE_TYPE', /same class/);
    throwsReason(() => new ActorRegistry().register(Stateless, Stateless), 'DUPLICATE_TYPE', /Stateless/);
    assert.equal(registry.type('Counter').ctor, CounterImpl);
  });

  it('registers all of one call or none of it', () => {
    @Actor('Stateless')
    class Clash {
      @Action() act(): void {}
    }
    const registry = new ActorRegistry();
    throwsReason(() => registry.register(CounterImpl, Stateless, Clash), 'DUPLICATE_TYPE', /Clash/);
    assert.deepEqual(registry.types(), []);
  });

  it('refuses duplicate wire names and doubly decorated methods: DUPLICATE_METHOD', () => {
    @Actor('Twice')
    class Twice {
      @Action({ name: 'go' }) one(): void {}
      @Query({ name: 'go' }) two(): void {}
    }
    throwsReason(() => new ActorRegistry().register(Twice), 'DUPLICATE_METHOD', /Twice\.(one|two).*"go"/);
    @Actor('Both')
    class Both {
      @Action() @Query() both(): void {}
    }
    throwsReason(() => new ActorRegistry().register(Both), 'DUPLICATE_METHOD', /Both\.both/);
  });

  it('refuses a class without methods: NO_METHODS', () => {
    @Actor('Empty')
    class Empty {
      @State() x = 1;
      notDecorated(): void {}
    }
    throwsReason(() => new ActorRegistry().register(Empty), 'NO_METHODS', /class Empty/);
  });

  it('refuses a params schema that does not compile: BAD_SCHEMA', () => {
    @Actor('Schemed')
    class Schemed {
      @Action({ params: [{ type: 'nonsense' }] }) act(_x: unknown): void {}
    }
    throwsReason(() => new ActorRegistry().register(Schemed), 'BAD_SCHEMA', /Schemed\.act/);
  });

  it('refuses registration once sealed: SEALED', () => {
    const registry = new ActorRegistry().register(CounterImpl);
    assert.equal(registry.sealed, false);
    registry.seal();
    assert.equal(registry.sealed, true);
    throwsReason(() => registry.register(Stateless), 'SEALED', /Stateless/);
    assert.equal(registry.type('Counter').name, 'Counter');
    assert.equal(registry.has('Stateless'), false);
  });

  it('throws UNKNOWN_ACTOR_TYPE for unknown names and unregistered classes', () => {
    const registry = new ActorRegistry().register(CounterImpl);
    throwsCode(() => registry.type('Nope'), 'UNKNOWN_ACTOR_TYPE', { type: 'Nope' });
    throwsCode(() => registry.type('CounterImpl'), 'UNKNOWN_ACTOR_TYPE');
    throwsCode(() => registry.typeOf(Stateless), 'UNKNOWN_ACTOR_TYPE', { type: 'Stateless' });
    throwsCode(() => registry.typeOf(NotAnActor), 'UNKNOWN_ACTOR_TYPE');
  });

  it('throws UNKNOWN_ACTOR_METHOD for anything not decorated', () => {
    const type = new ActorRegistry().register(CounterImpl).type('Counter');
    const names = ['nope', 'helper', 'zero', 'count', 'constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'prototype', ''];
    for (const name of names) throwsCode(() => type.method(name), 'UNKNOWN_ACTOR_METHOD', { type: 'Counter', method: name });
    throwsCode(() => type.method(7 as unknown as string), 'UNKNOWN_ACTOR_METHOD');
    assert.equal(type.methods.has('constructor'), false);
  });

  it('counts methods and @State fields of base classes, the most derived declaration winning', () => {
    const type = new ActorRegistry().register(Derived).type('Derived');
    assert.deepEqual(type.stateKeys, ['a', 'shared', 'b']);
    assert.deepEqual([...type.methods.keys()].sort(), ['baseAction', 'overridden', 'own', 'redeclared']);
    assert.equal(type.method('redeclared').kind, 'query');
    assert.equal(type.method('overridden').kind, 'action');
    const instance = new Derived();
    assert.equal(type.method('overridden').invoke(instance, []), 'derived');
    assert.equal(type.method('baseAction').invoke(instance, []), 'base');
    assert.equal(type.method('own').invoke(instance, []), 3);
  });

  it('lets a subclass of an actor be an actor of its own name', () => {
    @Actor('FancyCounter')
    class FancyCounter extends CounterImpl {
      @Action() double(): number {
        return (this.count *= 2);
      }
    }
    const registry = new ActorRegistry().register(CounterImpl, FancyCounter);
    assert.deepEqual([...registry.type('FancyCounter').methods.keys()].sort(), ['double', 'get', 'increment', 'reset']);
    assert.deepEqual([...registry.type('Counter').methods.keys()].sort(), ['get', 'increment', 'reset']);
    assert.equal(registry.typeOf(FancyCounter).name, 'FancyCounter');
  });

  it('refuses decorators on static members and accessors when the class is defined', () => {
    assert.throws(() => {
      class Static {
        @Action() static make(): void {}
      }
      return Static;
    }, /static method Static\.make/);
    assert.throws(() => {
      class Accessor {
        @Query() get value(): number {
          return 1;
        }
      }
      return Accessor;
    }, /accessor/);
    assert.throws(() => {
      class StaticState {
        @State() static x = 1;
      }
      return StaticState;
    }, /static field/);
  });
});
