import { ActorGridError, clip } from '../errors';
import { streamTier } from '../grid';
import { sharedObjectRecordOf, type SharedObjectHooks } from './SharedObject';

/** Exact names and the part before `.*` of patterns: a letter first, then letters, digits, `_ . : -`. */
const PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,254}(\.\*)?$/;

/** Everything a node knows about one declared family of shared objects. */
export interface SharedObjectSpec {
  /** As declared: `board.*` or an exact name. */
  pattern: string;
  /** The stream's capacity: the retention rounded up to a tier. */
  retention: number;
  maxSlots: number;
  maxValueBytes: number;
  /** The class with hooks, when declared by `@SharedObject`. */
  hooks?: new (...args: any[]) => SharedObjectHooks;
}

/** Defaults for families that do not set their own (config `sharedObjects`). */
export interface SharedObjectDefaults {
  retention: number;
  maxSlots: number;
  maxValueBytes: number;
}

/**
 * The shared objects a node serves: classes with `@SharedObject` and names or patterns from config.
 * A name resolves to its exact declaration first, else to the longest matching prefix pattern.
 */
export class SharedObjectRegistry {
  private readonly exact = new Map<string, SharedObjectSpec>();
  /** Prefix patterns, longest prefix first. */
  private prefixes: Array<[prefix: string, spec: SharedObjectSpec]> = [];

  constructor(private readonly defaults: SharedObjectDefaults) {}

  /** Registers `@SharedObject` classes. Throws on a duplicate or a bad pattern. */
  register(...classes: Array<new (...args: any[]) => object>): this {
    for (const ctor of classes) {
      const record = sharedObjectRecordOf(ctor);
      if (!record) throw new Error(`${ctor.name} is not decorated with @SharedObject`);
      const { retention, maxSlots, maxValueBytes } = { ...this.defaults, ...definedOnly(record.options) };
      this.add({ pattern: record.pattern, retention: streamTier(retention), maxSlots, maxValueBytes, hooks: ctor as new (...args: any[]) => SharedObjectHooks });
    }
    return this;
  }

  /** Declares names or patterns with the default settings (config `sharedObjects.names`). */
  declare(...patterns: readonly string[]): this {
    for (const pattern of patterns) this.add({ pattern, ...this.defaults, retention: streamTier(this.defaults.retention) });
    return this;
  }

  private add(spec: SharedObjectSpec): void {
    if (!PATTERN.test(spec.pattern)) {
      throw new Error(`bad shared object name or pattern "${spec.pattern}": a letter, then letters, digits, _ . : -, optionally ending in .* (at most 256 characters)`);
    }
    const prefix = spec.pattern.endsWith('.*') ? spec.pattern.slice(0, -1) : undefined;
    const taken = prefix === undefined ? this.exact.has(spec.pattern) : this.prefixes.some(([p]) => p === prefix);
    if (taken) throw new Error(`shared object "${spec.pattern}" is declared twice`);
    if (prefix === undefined) this.exact.set(spec.pattern, spec);
    else this.prefixes = [...this.prefixes, [prefix, spec] as [string, SharedObjectSpec]].sort((a, b) => b[0].length - a[0].length);
  }

  /**
   * The declaration `name` falls under.
   * @throws ActorGridError INVALID_ARGUMENTS for a name that is not 1–256 characters,
   * UNKNOWN_SHARED_OBJECT when nothing declares it.
   */
  resolve(name: unknown): SharedObjectSpec {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
      throw new ActorGridError('INVALID_ARGUMENTS', 'name must be a string of 1 to 256 characters', { field: 'name' });
    }
    const spec = this.exact.get(name) ?? this.prefixes.find(([prefix]) => name.length > prefix.length && name.startsWith(prefix))?.[1];
    if (!spec) throw new ActorGridError('UNKNOWN_SHARED_OBJECT', `no shared object is declared under the name ${JSON.stringify(clip(name))}`, { name: clip(name) });
    return spec;
  }

  /** Every declaration, by pattern. */
  all(): SharedObjectSpec[] {
    return [...this.exact.values(), ...this.prefixes.map(([, spec]) => spec)].sort((a, b) => a.pattern.localeCompare(b.pattern));
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
