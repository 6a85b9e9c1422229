import { injectable } from 'tsyringe';
import { recordActor, recordMethod, recordState, type ActionOptions, type ActorOptions, type MethodKind, type MethodOptions } from './ActorMetadata';

/*
 * The decorators only record metadata on the class; `ActorRegistry.register` reads it once at node
 * start and does every check there, so a mistake becomes a coded `RegistryError` naming the class.
 * The only exceptions are misuses that cannot be expressed as a registry error (a decorator on a
 * static member or on an accessor): those throw a TypeError when the class is defined.
 *
 * This module imports tsyringe, which refuses to load without a Reflect metadata polyfill. That is
 * deliberate: `reflect-metadata` is imported once by the application's entry point (and by test
 * files), before any actor class is defined, because the compiler's `design:paramtypes` metadata —
 * which argument checks and constructor injection read — is only recorded when it is loaded.
 */

/** Any class. */
export type Constructor<T = object> = new (...args: any[]) => T;

/**
 * Declares a class as an actor type under an explicit name (never `constructor.name`, which
 * minifiers rename). The name must match `/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/`; the registry checks it.
 * The class is also made `@injectable()` for tsyringe, so its constructor parameters are injected
 * from the node's container. A subclass of an actor needs its own `@Actor`.
 *
 * @example
 * ```ts
 * @Actor('Counter')
 * class Counter {
 *   @State() count = 0;
 *   constructor(private readonly clock: Clock) {}
 *   @Action() increment(by: number = 1): number { return (this.count += by); }
 *   @Query() get(): number { return this.count; }
 * }
 * ```
 */
export function Actor(name: string, options: ActorOptions = {}): <C extends Constructor>(ctor: C) => void {
  return (ctor) => {
    recordActor(ctor, { name, options: { ...options } });
    injectable()(ctor);
  };
}

/**
 * Declares a callable method that may change the actor's state. It runs in a turn: under the
 * actor's lock, against the last committed state, and its changes are written back fenced.
 * Arguments are checked against the declared parameter types (or `options.params` schemas) before
 * the method runs.
 *
 * @example
 * ```ts
 * @Action() deposit(amount: number): number { return (this.balance += amount); }
 * @Action({ optimistic: true }) increment(by = 1): number { return (this.count += by); } // no lock: read → run → compare-and-set
 * ```
 */
export function Action(options: ActionOptions = {}): MethodDecorator {
  return methodDecorator('action', options);
}

/**
 * Declares a callable read-only method: it runs against the last committed state without taking
 * the actor's lock, and whatever it changes is discarded.
 *
 * @example
 * ```ts
 * @Query() balanceOf(): number { return this.balance; }
 * ```
 */
export function Query(options: MethodOptions = {}): MethodDecorator {
  return methodDecorator('query', options);
}

/**
 * Marks a field as part of the actor's persisted state. The persisted state is exactly the
 * `@State()` fields, in declaration order (base class fields first):
 *
 * - Actors receive services by constructor injection, and TypeScript parameter properties turn
 *   them into instance fields; persisting "every own field" would try to serialize a logger or a
 *   repository. An explicit opt-in keeps those out without any exclusion list.
 * - The persisted shape is visible in the class, so a reviewer sees what a change to it means.
 * - Field initializers are the defaults: a record written before a field existed simply lacks the
 *   key, and the new instance keeps its initializer (see `applyState`).
 *
 * Values must be what `StateCodec` round-trips: plain objects, arrays, Maps, Sets, Dates, BigInts,
 * Buffers and primitives. Class instances come back as plain objects.
 *
 * @example
 * ```ts
 * @State() balance = 0;
 * @State() history: Array<{ at: Date; amount: number }> = [];
 * ```
 */
export function State(): PropertyDecorator {
  return (target, property) => {
    if (typeof target === 'function') throw new TypeError(`@State() cannot be used on static field ${describe(target, property)}`);
    if (typeof property !== 'string') throw new TypeError(`@State() needs a string field name, got ${String(property)}`);
    recordState(target, property);
  };
}

/**
 * Marks a method the runtime calls when a reminder set with `ActorContext.remind(name, {method})` is
 * due (docs/actors.md "Reminders"). It runs as a turn, like an @Action, with `(payload, info)`:
 * the reminder's payload and a {@link ReminderInfo}. Clients and other actors cannot call it.
 *
 * @example
 * ```ts
 * @Action() add(sku: string) { this.lines.push(sku); ActorContext.current().remind('abandon', { after: 3_600_000 }); }
 * @Reminder() abandon(_payload: unknown, info: ReminderInfo) { this.lines = []; }
 * ```
 */
export function Reminder(options: Pick<MethodOptions, 'name'> = {}): MethodDecorator {
  return methodDecorator('reminder', options);
}

const DECORATOR_NAME: Record<MethodKind, string> = { action: '@Action()', query: '@Query()', reminder: '@Reminder()' };

function methodDecorator(kind: MethodKind, options: ActionOptions): MethodDecorator {
  const decorator = DECORATOR_NAME[kind];
  return (target, property, descriptor) => {
    if (typeof target === 'function') throw new TypeError(`${decorator} cannot be used on static method ${describe(target, property)}`);
    if (typeof descriptor.value !== 'function') throw new TypeError(`${decorator} needs a method, ${describe(target, property)} is an accessor`);
    recordMethod(target, { property, kind, options: { ...options } });
  };
}

function describe(target: object, property: string | symbol): string {
  const ctor = typeof target === 'function' ? target : target.constructor;
  return `${ctor?.name ?? '?'}.${String(property)}`;
}
