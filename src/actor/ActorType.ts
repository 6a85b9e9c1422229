import type Ajv from 'ajv';
import { ActorGridError, clip } from '../errors';
import {
  actorRecordOf,
  ownMethodRecords,
  ownStateKeys,
  paramTypesOf,
  prototypeChain,
  type MethodKind,
  type MethodRecord,
} from './ActorMetadata';
import { createArgumentChecker } from './ArgumentChecker';
import { isReservedMemberName } from './ActorRef';
import type { Constructor } from './decorators';
import { RegistryError } from './RegistryError';

/** A registered actor type: what the runtime needs to run its calls. Immutable. */
export interface ActorType {
  /** The registered name (from `@Actor`), e.g. `"Counter"`. */
  readonly name: string;
  /** The class. Instances are created by the node's DI container: `container.resolve(ctor)`. */
  readonly ctor: Constructor;
  /** `@Actor({ description })`, if given. */
  readonly description?: string;
  /** The persisted fields (`@State()`), base class fields first, in declaration order. */
  readonly stateKeys: readonly string[];
  /** Callable methods by wire name. */
  readonly methods: ReadonlyMap<string, ActorMethod>;
  /**
   * The callable method of that wire name. Throws `ActorGridError('UNKNOWN_ACTOR_METHOD')` for
   * anything not declared with `@Action`/`@Query` — `constructor`, `__proto__`, `toString`, `then`
   * and every other inherited member included.
   */
  method(name: string): ActorMethod;
}

/** One callable method of an actor type. */
export interface ActorMethod {
  /** The wire name (`MethodOptions.name`, or the property name). */
  readonly name: string;
  /** The method's property name on the class (symbol-keyed methods are refused at registration). */
  readonly property: string;
  /** `action` runs in a locked, fenced turn; `query` reads the last committed state. */
  readonly kind: MethodKind;
  /**
   * Checks the call's arguments and returns them as an array. Throws
   * `ActorGridError('INVALID_ARGUMENTS', message, { index, expected, got })` when `args` is not an
   * array, has more entries than the method declares, misses a required one, or one does not match
   * its declared type or `params` schema.
   */
  checkArgs(args: unknown): unknown[];
  /**
   * Calls the method on an instance with checked arguments. Uses the function found at
   * registration, so an instance field of the same name cannot shadow it.
   */
  invoke(instance: object, args: readonly unknown[]): unknown;
  /**
   * Declared `async`: its context (`ActorContext.current()`) is carried across its awaits. A plain
   * method has it in its synchronous run, which costs the node far less (ContextScope).
   */
  readonly async: boolean;
  /** `@Action({ optimistic: true })`: its body may run more than once for one call; its turn takes no lock unless a write loses. */
  readonly optimistic: boolean;
}

/** The constructor of `async` functions and methods (not a global). */
const AsyncFunction = (async () => undefined).constructor;

const ACTOR_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const METHOD_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,63}$/;

/** Reads a class's metadata and builds its `ActorType`, checking everything. Throws `RegistryError`. */
export function buildActorType(ctor: unknown, ajv: Ajv): ActorType {
  const className = typeof ctor === 'function' && ctor.name ? ctor.name : '?';
  const record = actorRecordOf(ctor);
  if (typeof ctor !== 'function' || !record) {
    const what = typeof ctor === 'function' ? `class ${className} has no @Actor() of its own` : `${typeof ctor} is not a class`;
    throw new RegistryError('NOT_AN_ACTOR', className, `${what}: only classes decorated with @Actor(name) can be registered`);
  }
  const name = record.name;
  if (typeof name !== 'string' || !ACTOR_NAME.test(name)) {
    throw new RegistryError('BAD_NAME', className, `class ${className}: actor name ${JSON.stringify(name)} must match ${ACTOR_NAME}`);
  }
  const chain = prototypeChain(ctor);
  const methods = collectMethods(ctor as Constructor, name, className, chain, ajv);
  if (methods.size === 0) {
    throw new RegistryError('NO_METHODS', className, `class ${className} (actor ${name}) has no @Action() or @Query() method`);
  }
  const stateKeys = [...new Set(chain.slice().reverse().flatMap((p) => ownStateKeys(p)))];
  const type: ActorType = {
    name,
    ctor: ctor as Constructor,
    ...(record.options.description !== undefined ? { description: record.options.description } : {}),
    stateKeys: Object.freeze(stateKeys),
    methods,
    method(method: string): ActorMethod {
      const found = typeof method === 'string' ? methods.get(method) : undefined;
      if (!found) {
        throw new ActorGridError('UNKNOWN_ACTOR_METHOD', `actor type ${name} has no method ${JSON.stringify(clip(String(method)))}`, {
          type: name,
          method: clip(String(method)),
        });
      }
      return found;
    },
  };
  return Object.freeze(type);
}

/** Declared methods by wire name; a subclass's declaration of a property wins over its base's. */
function collectMethods(ctor: Constructor, type: string, className: string, chain: object[], ajv: Ajv): Map<string, ActorMethod> {
  const byName = new Map<string, ActorMethod>();
  const seen = new Set<string | symbol>();
  for (const prototype of chain) {
    const own = new Set<string | symbol>();
    for (const record of ownMethodRecords(prototype)) {
      const label = `${className}.${String(record.property)}`;
      if (own.has(record.property)) {
        throw new RegistryError('DUPLICATE_METHOD', className, `${label} has more than one @Action()/@Query() decorator`);
      }
      own.add(record.property);
      if (seen.has(record.property)) continue; // overridden and re-declared in a subclass
      const method = buildMethod(ctor, type, className, prototype, record, ajv);
      const existing = byName.get(method.name);
      if (existing) {
        throw new RegistryError(
          'DUPLICATE_METHOD',
          className,
          `${label} and ${className}.${String(existing.property)} both use the wire name ${JSON.stringify(method.name)}`,
        );
      }
      byName.set(method.name, method);
    }
    for (const property of own) seen.add(property);
  }
  return byName;
}

function buildMethod(ctor: Constructor, type: string, className: string, declaredOn: object, record: MethodRecord, ajv: Ajv): ActorMethod {
  const label = `${className}.${String(record.property)}`;
  const property = record.property;
  if (typeof property !== 'string') {
    throw new RegistryError('BAD_NAME', className, `${label}: actor methods need a string property name, not a symbol`);
  }
  const name = record.options.name ?? property;
  if (typeof name !== 'string' || !METHOD_NAME.test(name) || isReservedMemberName(name)) {
    const why = typeof name === 'string' && isReservedMemberName(name) ? 'is reserved (actor refs never forward it)' : `must match ${METHOD_NAME}`;
    throw new RegistryError('BAD_NAME', className, `${label}: method name ${JSON.stringify(String(name))} ${why}`);
  }
  const fn: unknown = (ctor.prototype as Record<string, unknown>)[property];
  if (typeof fn !== 'function') {
    throw new RegistryError('NOT_AN_ACTOR', className, `${label} is declared with @${record.kind[0].toUpperCase()}${record.kind.slice(1)}() but is not a method`);
  }
  let checkArgs;
  try {
    checkArgs = createArgumentChecker(
      { label: `${type}.${name}`, paramTypes: paramTypesOf(declaredOn, property), required: fn.length, schemas: record.options.params ?? [] },
      ajv,
    );
  } catch (err) {
    throw new RegistryError('BAD_SCHEMA', className, `${label}: a params schema does not compile: ${(err as Error).message}`, { cause: err });
  }
  return Object.freeze({
    name,
    property,
    kind: record.kind,
    checkArgs,
    invoke: (instance: object, args: readonly unknown[]) => Reflect.apply(fn, instance, args),
    async: fn instanceof AsyncFunction,
    optimistic: record.kind === 'action' && record.options.optimistic === true,
  });
}
