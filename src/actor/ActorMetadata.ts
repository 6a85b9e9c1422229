/**
 * Where the decorators record what they saw, and how the registry reads it back. Internal: only the
 * decorators write here and only `ActorType` reads, once, when a class is registered.
 *
 * Metadata lives in non-enumerable symbol-keyed own properties of the class (for `@Actor`) and of
 * the prototype that declared the member (for `@Action`, `@Query`, `@State`). Keeping it on the
 * declaring prototype is what makes inheritance work: the registry walks the prototype chain and
 * a subclass never appends to its base's lists. No global registry is involved, and none of this
 * needs `reflect-metadata` (only the compiler's `design:paramtypes` does).
 */

/** Options of `@Actor`. */
export interface ActorOptions {
  /** A human description of the actor type, for introspection and docs. */
  description?: string;
}

/** Options of `@Action` and `@Query`. */
export interface MethodOptions {
  /**
   * The method's name on the wire (`POST /actors/{type}/{id}/{name}`, `actor.call` `method`).
   * @default the method's property name
   */
  name?: string;
  /**
   * One JSON schema per positional argument, validated with ajv. A schema at index `i` replaces the
   * check inferred from the parameter's declared type; `undefined` entries keep the inferred check.
   * Schemas are compiled once, when the class is registered.
   * @example
   * ```ts
   * @Action({ params: [{ type: 'integer', minimum: 1 }] })
   * increment(by = 1) { this.count += by; }
   * ```
   */
  params?: ReadonlyArray<object | undefined>;
}

/** Options of `@Action`: those of every method, and how its turn may run. */
export interface ActionOptions extends MethodOptions {
  /**
   * The method's body is safe to run more than once for one call: it only changes the actor's state
   * from its arguments and that state (no calls to other actors — refused —, no effects outside the
   * actor). Its turn then takes no lock: read (or the record this node last wrote) → run → one
   * compare-and-set; only when another writer got there first do its calls run again, under the
   * lock (docs/actors.md "The turn"). A call that publishes or changes reminders is run again under
   * the lock too.
   * @default false
   */
  optimistic?: boolean;
}

/**
 * Whether a method may change state (`action`), only reads it (`query`), or is called by the runtime
 * when one of the actor's reminders is due (`reminder`: a turn like an action, never callable by
 * clients or other actors).
 */
export type MethodKind = 'action' | 'query' | 'reminder';

/** What `@Actor` recorded on a class. */
export interface ActorRecord {
  readonly name: string;
  readonly options: Readonly<ActorOptions>;
}

/** What `@Action` / `@Query` recorded for one method of a prototype. */
export interface MethodRecord {
  readonly property: string | symbol;
  readonly kind: MethodKind;
  readonly options: Readonly<ActionOptions>;
}

const ACTOR = Symbol('actorgrid.actor');
const METHODS = Symbol('actorgrid.methods');
const STATE = Symbol('actorgrid.state');

type Holder = { [ACTOR]?: ActorRecord; [METHODS]?: MethodRecord[]; [STATE]?: string[] };

function has(target: object, key: symbol): boolean {
  return Object.prototype.hasOwnProperty.call(target, key);
}

/** The target's own list under `key`, created on first use (never the inherited one). */
function ownList<T>(target: object, key: typeof METHODS | typeof STATE): T[] {
  if (!has(target, key)) Object.defineProperty(target, key, { value: [], configurable: true });
  return (target as Holder)[key] as unknown as T[];
}

/** Records `@Actor` on a class. */
export function recordActor(ctor: Function, record: ActorRecord): void {
  Object.defineProperty(ctor, ACTOR, { value: Object.freeze(record), configurable: true });
}

/** Records `@Action` / `@Query` on the prototype that declares the method. */
export function recordMethod(prototype: object, record: MethodRecord): void {
  ownList<MethodRecord>(prototype, METHODS).push(Object.freeze(record));
}

/** Records `@State` on the prototype that declares the field. */
export function recordState(prototype: object, property: string): void {
  const keys = ownList<string>(prototype, STATE);
  if (!keys.includes(property)) keys.push(property);
}

/** The class's own `@Actor` record; a subclass does not inherit its base's name. */
export function actorRecordOf(ctor: unknown): ActorRecord | undefined {
  if (typeof ctor !== 'function' || !has(ctor, ACTOR)) return undefined;
  return (ctor as Holder)[ACTOR];
}

/** Method records declared on this very prototype (not inherited ones). */
export function ownMethodRecords(prototype: object): readonly MethodRecord[] {
  return has(prototype, METHODS) ? ((prototype as Holder)[METHODS] as MethodRecord[]) : [];
}

/** `@State` keys declared on this very prototype (not inherited ones). */
export function ownStateKeys(prototype: object): readonly string[] {
  return has(prototype, STATE) ? ((prototype as Holder)[STATE] as string[]) : [];
}

/** The prototype chain of a class, most derived first, without `Object.prototype`. */
export function prototypeChain(ctor: Function): object[] {
  const chain: object[] = [];
  for (let p: object | null = ctor.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) chain.push(p);
  return chain;
}

/** The compiler's `design:paramtypes` for a method, when `reflect-metadata` was loaded at decoration. */
export function paramTypesOf(prototype: object, property: string | symbol): readonly unknown[] | undefined {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, prop: string | symbol) => unknown };
  if (typeof reflect.getMetadata !== 'function') return undefined;
  const types = reflect.getMetadata('design:paramtypes', prototype, property);
  return Array.isArray(types) ? types : undefined;
}
