import Ajv from 'ajv';
import { ActorGridError, clip } from '../errors';
import { actorRecordOf } from './ActorMetadata';
import { buildActorType, type ActorType } from './ActorType';
import type { Constructor } from './decorators';
import { RegistryError } from './RegistryError';

/** The prefix of the runtime's own actor types; never callable by clients. */
export const INTERNAL_TYPE_PREFIX = 'actorgrid.';

/**
 * The actor types of one node. It reads the decorators' metadata once per class, when the class is
 * registered, checks everything (names, duplicates, methods, schemas) and fails with a
 * `RegistryError` naming the class; the composition root then calls `seal()` as the node starts,
 * after which registering throws `SEALED`. Nothing is module-global: each node has its own
 * registry, so several nodes (with different types) can live in one process.
 *
 * @example
 * ```ts
 * const registry = new ActorRegistry().register(Counter, Account);
 * registry.seal();
 * const method = registry.type('Counter').method('increment');
 * const args = method.checkArgs([5]);
 * ```
 */
export class ActorRegistry {
  private readonly byName = new Map<string, ActorType>();
  private readonly byCtor = new Map<Function, ActorType>();
  /** One ajv per registry: compiled `params` schemas (and their `$id`s) stay with this node. */
  private readonly ajv = new Ajv({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
  private isSealed = false;

  /**
   * Registers actor classes. All-or-nothing: when one class is refused, none of this call's classes
   * is registered. Returns the registry for chaining.
   * @throws RegistryError `SEALED`, `NOT_AN_ACTOR`, `BAD_NAME`, `DUPLICATE_TYPE`, `DUPLICATE_METHOD`,
   * `NO_METHODS` or `BAD_SCHEMA`.
   */
  register(...classes: Constructor[]): this {
    return this.add(classes, false);
  }

  /**
   * Registers the runtime's own actor types (named `actorgrid.*`, which applications may not use and
   * clients may not call over the wire), e.g. shared objects.
   */
  registerInternal(...classes: Constructor[]): this {
    return this.add(classes, true);
  }

  private add(classes: Constructor[], internal: boolean): this {
    if (this.isSealed) {
      const names = classes.map((c) => (typeof c === 'function' ? c.name : String(c))).join(', ');
      throw new RegistryError('SEALED', names || '?', `cannot register ${names || 'actor types'}: the registry was sealed when the node started`);
    }
    const added = new Map<string, ActorType>();
    for (const ctor of classes) {
      const type = buildActorType(ctor, this.ajv);
      if (type.name.startsWith(INTERNAL_TYPE_PREFIX) !== internal) {
        const why = internal ? `runtime actor types are named ${INTERNAL_TYPE_PREFIX}*` : `names starting with "${INTERNAL_TYPE_PREFIX}" are reserved for the runtime`;
        throw new RegistryError('BAD_NAME', ctor.name, `class ${ctor.name}: actor type ${JSON.stringify(type.name)}: ${why}`);
      }
      const other = this.byName.get(type.name) ?? added.get(type.name);
      if (other) {
        const by = other.ctor === ctor ? 'the same class, registered twice' : `class ${other.ctor.name}`;
        throw new RegistryError('DUPLICATE_TYPE', ctor.name, `class ${ctor.name}: actor type ${JSON.stringify(type.name)} is already registered (by ${by})`);
      }
      added.set(type.name, type);
    }
    for (const type of added.values()) {
      this.byName.set(type.name, type);
      this.byCtor.set(type.ctor, type);
    }
    return this;
  }

  /** Forbids further registration. Called once by the node as it starts; calling it again is harmless. */
  seal(): this {
    this.isSealed = true;
    return this;
  }

  /** Whether `seal()` was called. */
  get sealed(): boolean {
    return this.isSealed;
  }

  /**
   * The type registered under `name`.
   * @throws ActorGridError `UNKNOWN_ACTOR_TYPE` (data `{ type }`).
   */
  type(name: string): ActorType {
    const type = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!type) throw new ActorGridError('UNKNOWN_ACTOR_TYPE', `no actor type ${JSON.stringify(clip(String(name)))} is registered`, { type: clip(String(name)) });
    return type;
  }

  /**
   * The type a class was registered as (by its `@Actor` name, never `constructor.name`).
   * @throws ActorGridError `UNKNOWN_ACTOR_TYPE` when the class is not registered on this node.
   */
  typeOf(ctor: Function): ActorType {
    const type = this.byCtor.get(ctor);
    if (type) return type;
    const name = actorRecordOf(ctor)?.name;
    const what = name !== undefined ? `actor type ${JSON.stringify(name)} (class ${ctor.name})` : `class ${ctor?.name ?? String(ctor)}`;
    throw new ActorGridError('UNKNOWN_ACTOR_TYPE', `${what} is not registered on this node`, { type: name ?? String(ctor?.name) });
  }

  /** Whether a type of that name is registered. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Every registered type, in registration order. */
  types(): ActorType[] {
    return [...this.byName.values()];
  }
}
