/**
 * Member names an actor ref never forwards as calls, so that promise checks (`then`), JSON,
 * `util.inspect`, string conversion and test frameworks probing a ref never fire a remote call.
 * The registry refuses methods with these wire names (`BAD_NAME`): a ref could not reach them.
 */
const RESERVED = new Set<string>([
  ...Object.getOwnPropertyNames(Object.prototype), // constructor, toString, valueOf, __proto__, hasOwnProperty, …
  'then',
  'catch',
  'finally',
  'toJSON',
  'inspect',
  'prototype',
  'asymmetricMatch',
  '$$typeof',
  'nodeType',
]);

/** Whether `name` is reserved on actor refs (see `ActorRef`). */
export function isReservedMemberName(name: string): boolean {
  return RESERVED.has(name);
}

/** A method's name as the compiler sees it, for `ActorRef`. */
type ReservedName = 'then' | 'catch' | 'finally' | 'toJSON' | 'inspect' | 'constructor' | 'toString' | 'valueOf';

/**
 * A typed handle to a remote actor: every method of `T` becomes a call returning a Promise of its
 * (awaited) result. Fields and reserved names (`then`, `toJSON`, `toString`, …) are left out, so a
 * ref is never a thenable and `await ref` yields the ref itself.
 *
 * Types only: whether a method is actually callable (`@Action`/`@Query`) is checked by the callee.
 *
 * @example
 * ```ts
 * const counter: ActorRef<Counter> = ctx.actor(Counter, 'a');
 * const n: number = await counter.increment(2);
 * ```
 */
export type ActorRef<T> = {
  readonly [K in keyof T as K extends string ? (K extends ReservedName ? never : T[K] extends (...args: any[]) => any ? K : never) : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** An actor whose class is not known to the compiler: any method, unknown results. */
export type UntypedActor = Record<string, (...args: any[]) => unknown>;

/** Sends one call of an actor ref: the wire name and the positional arguments. */
export type RefSender = (method: string, args: unknown[]) => Promise<unknown>;

const DESCRIPTION = Symbol('actorgrid.ref');

/**
 * Creates a ref to actor `(type, id)` whose calls go to `send`. The ref is a Proxy: reading any
 * string property other than a reserved name yields a function (cached per name) that calls
 * `send(name, args)`. `then`, every symbol, `toJSON`, `inspect`, `constructor` and the other
 * reserved names read as `undefined` (`toString` gives a description), so `await ref`,
 * `JSON.stringify(ref)` (`{}`), `console.log(ref)` and `${ref}` never fire a call. Refs are
 * read-only; assigning a property throws.
 *
 * @example
 * ```ts
 * const ref = createActorRef<Counter>('Counter', 'a', (method, args) =>
 *   invoker.invoke({ type: 'Counter', id: 'a', method, args }));
 * await ref.increment(1);
 * ```
 */
export function createActorRef<T = UntypedActor>(type: string, id: string, send: RefSender): ActorRef<T> {
  const description = `ActorRef(${type}/${id})`;
  const toString = () => description;
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  // The target is only what util.inspect shows (Node inspects a proxy's target without traps).
  const target = { [DESCRIPTION]: `${type}/${id}` };
  const handler: ProxyHandler<typeof target> = {
    get(_target, property) {
      if (typeof property !== 'string') return undefined;
      if (property === 'toString') return toString;
      if (RESERVED.has(property)) return undefined;
      let method = methods.get(property);
      if (!method) {
        method = async (...args: unknown[]) => send(property, args);
        methods.set(property, method);
      }
      return method;
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    setPrototypeOf: () => false,
  };
  return new Proxy(target, handler) as unknown as ActorRef<T>;
}
