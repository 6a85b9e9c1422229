import { AccessDeniedError } from '../errors';
import { classAllowOf, methodAllowOf, type AllowRule } from './Allow';
import type { AuthPrincipal, AuthTarget } from './AuthPrincipal';
import { unauthorized } from './Authenticator';

/** Where a target's declarations are: its class (if it has one) and the method behind its op. */
export interface TargetClass {
  ctor?: Function;
  /** The method property an op runs (actor methods, a collection's own methods). */
  property?: string;
}

/** Finds a target's class; `undefined` when no such thing exists (its handler then answers UNKNOWN_…). */
export type TargetLookup = (target: AuthTarget) => TargetClass | undefined;

/** One config rule, parsed. */
interface ConfigRule {
  kind: AuthTarget['kind'];
  name: string;
  op?: string;
  rules: AllowRule[];
}

/**
 * Decides who may reach what, from `@Allow` on classes and methods and the rules of config
 * `auth.rules` (`"<kind> <name|prefix*> [<op>] <role+role|*|public>"`). The most specific level
 * that declares anything decides: the method (or op), else the class (or kind+name). Anything that
 * declares nothing is denied. A principal-less request that is denied is UNAUTHORIZED (credentials
 * could help); an authenticated one is FORBIDDEN.
 */
export class Authorizer {
  private readonly config: ConfigRule[];

  constructor(
    private readonly lookup: TargetLookup,
    rules: readonly string[],
    /** Maps a target to the one its rules are declared for (e.g. a call to a collection's actor → a collection op). */
    private readonly canonical: (target: AuthTarget) => AuthTarget = (t) => t,
  ) {
    this.config = rules.map(parseRule);
  }

  /** @throws UNAUTHORIZED or FORBIDDEN */
  check(principal: AuthPrincipal | undefined, given: AuthTarget): void {
    const target = this.canonical(given);
    const rules = this.rulesFor(target);
    if (rules && rules.some((rule) => passes(rule, principal, target))) return;
    if (!principal) throw unauthorized(`credentials are required for ${describe(target)}`);
    throw new AccessDeniedError('FORBIDDEN', `${principal.subject} may not ${describe(target)}`, { kind: target.kind, name: target.name, op: target.op });
  }

  /** How `target` is declared (for the start log): open to anyone, declared (to some), or not at all. */
  declared(target: AuthTarget): 'public' | 'declared' | 'undeclared' {
    const rules = this.rulesFor(this.canonical(target));
    return !rules ? 'undeclared' : rules.includes('public') ? 'public' : 'declared';
  }

  /** The rules that decide for `target`: its method's or op's, else its class's; undefined when nothing is declared. */
  private rulesFor(target: AuthTarget): readonly AllowRule[] | undefined {
    const found = this.lookup(target);
    const matching = this.config.filter((r) => r.kind === target.kind && nameMatches(r.name, target.name));
    const specific = [...(found?.property ? methodAllowOf(found.ctor, found.property) ?? [] : []), ...matching.filter((r) => r.op === target.op).flatMap((r) => r.rules)];
    if (specific.length > 0) return specific;
    const general = [...(found?.ctor ? classAllowOf(found.ctor) ?? [] : []), ...matching.filter((r) => r.op === undefined).flatMap((r) => r.rules)];
    return general.length > 0 ? general : undefined;
  }
}

function parseRule(text: string): ConfigRule {
  const parts = text.trim().split(/\s+/);
  const [kind, name] = parts;
  const op = parts.length === 4 ? parts[2] : undefined;
  return { kind: kind as AuthTarget['kind'], name, ...(op === undefined ? {} : { op }), rules: parts[parts.length - 1].split('+') };
}

function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function passes(rule: AllowRule, principal: AuthPrincipal | undefined, target: AuthTarget): boolean {
  if (rule === 'public') return true;
  if (typeof rule === 'function') {
    try {
      return rule(principal, target) === true;
    } catch {
      return false; // a failing check denies
    }
  }
  if (!principal) return false;
  return rule === '*' || principal.roles.includes(rule);
}

function describe(target: AuthTarget): string {
  return `${target.op} on ${target.kind} ${target.name}`;
}
