import type { AuthPrincipal, AuthTarget } from './AuthPrincipal';

/**
 * Who may: a role name, `'*'` (anyone authenticated), `'public'` (anyone, also without
 * credentials), or a function deciding from the principal (undefined when anonymous) and the target.
 */
export type AllowRule = string | ((principal: AuthPrincipal | undefined, target: AuthTarget) => boolean);

const CLASS_RULES = Symbol.for('actorgrid.allow');
const METHOD_RULES = Symbol.for('actorgrid.allow.methods');

/**
 * Declares who may reach an actor type, a destination, a shared-object family or a collection (on
 * the class), or one actor method (on the method). With auth enabled, anything that declares nothing
 * (here or in config `auth.rules`) is denied; with auth off, everything is open. A method's
 * declaration replaces its class's for that method.
 *
 * @example
 * @Actor('Account') @Allow('customer', 'teller')
 * class Account {
 *   @Action() @Allow((p, t) => p?.subject === ActorContext.current().actorId) withdraw(n: number) {…}
 *   @Query() @Allow('public') rates() {…}
 * }
 */
export function Allow(...rules: AllowRule[]): (target: object, property?: string | symbol, descriptor?: PropertyDescriptor) => void {
  for (const rule of rules) {
    if (typeof rule !== 'string' && typeof rule !== 'function') throw new TypeError('@Allow takes role names, "*", "public" or functions');
  }
  return (target, property) => {
    if (property === undefined) {
      Object.defineProperty(target, CLASS_RULES, { value: Object.freeze([...rules]), enumerable: false, configurable: true });
      return;
    }
    const holder = target as { [METHOD_RULES]?: Map<string | symbol, readonly AllowRule[]> };
    if (!Object.prototype.hasOwnProperty.call(holder, METHOD_RULES)) {
      Object.defineProperty(holder, METHOD_RULES, { value: new Map(), enumerable: false });
    }
    holder[METHOD_RULES]!.set(property, Object.freeze([...rules]));
  };
}

/** The class's own `@Allow` rules, if it declares any. */
export function classAllowOf(ctor: unknown): readonly AllowRule[] | undefined {
  if (typeof ctor !== 'function' || !Object.prototype.hasOwnProperty.call(ctor, CLASS_RULES)) return undefined;
  return (ctor as unknown as Record<symbol, readonly AllowRule[]>)[CLASS_RULES];
}

/** A method's `@Allow` rules, found on the prototype chain (a subclass's declaration first). */
export function methodAllowOf(ctor: unknown, property: string): readonly AllowRule[] | undefined {
  if (typeof ctor !== 'function') return undefined;
  for (let proto = ctor.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    if (!Object.prototype.hasOwnProperty.call(proto, METHOD_RULES)) continue;
    const rules = (proto as Record<symbol, Map<string | symbol, readonly AllowRule[]>>)[METHOD_RULES].get(property);
    if (rules) return rules;
  }
  return undefined;
}
