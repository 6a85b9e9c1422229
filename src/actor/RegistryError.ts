/**
 * Why `ActorRegistry.register` (or `seal`) refused:
 *
 * - `NOT_AN_ACTOR`: not a class, or a class without its own `@Actor` (subclasses need their own).
 * - `BAD_NAME`: the actor name or a method's wire name has the wrong shape or is reserved (`then`,
 *   `constructor`, `toJSON`, … — names an actor ref could never call).
 * - `DUPLICATE_TYPE`: another class (or the same class, twice) is registered under that name.
 * - `DUPLICATE_METHOD`: two methods share a wire name, or one method has two of `@Action`/`@Query`.
 * - `NO_METHODS`: the class declares no `@Action` or `@Query` method, so nothing could call it.
 * - `BAD_SCHEMA`: a `params` JSON schema does not compile.
 * - `SEALED`: the registry was sealed at node start; types cannot be added afterwards.
 */
export type RegistryErrorReason =
  | 'NOT_AN_ACTOR'
  | 'BAD_NAME'
  | 'DUPLICATE_TYPE'
  | 'DUPLICATE_METHOD'
  | 'NO_METHODS'
  | 'BAD_SCHEMA'
  | 'SEALED';

/**
 * A programming error found while registering actor classes: it stops the node at start and is
 * never sent to a client, hence a plain Error with a `reason` rather than an `ActorGridError`.
 * The message names the class (and the method, where there is one).
 *
 * @example
 * try { registry.register(Counter); } catch (err) {
 *   if (err instanceof RegistryError && err.reason === 'DUPLICATE_TYPE') …
 * }
 */
export class RegistryError extends Error {
  readonly reason: RegistryErrorReason;
  /** The class's name in the source (for messages only) or `"?"` when it is not a class. */
  readonly className: string;

  constructor(reason: RegistryErrorReason, className: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
    this.reason = reason;
    this.className = className;
  }
}
