import { ActorGridError } from '../errors';
import { streamTier } from '../grid';
import { destinationRecordOf, type DestinationHooks } from './Destination';

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Everything a node knows about one destination. */
export interface DestinationSpec {
  name: string;
  /** The stream's capacity: the retention rounded up to a tier. */
  retention: number;
  maxMessageBytes: number;
  /** The class with hooks, when declared by `@Destination`. */
  hooks?: new (...args: any[]) => DestinationHooks;
}

/** Defaults for destinations that do not set their own (config `destinations`). */
export interface DestinationDefaults {
  retention: number;
  maxMessageBytes: number;
}

/**
 * The destinations a node serves: classes with `@Destination` and names from config. Built once at
 * start; unknown names are UNKNOWN_DESTINATION.
 */
export class DestinationRegistry {
  private readonly specs = new Map<string, DestinationSpec>();

  constructor(private readonly defaults: DestinationDefaults) {}

  /** Registers `@Destination` classes. Throws on a duplicate or a bad name. */
  register(...classes: Array<new (...args: any[]) => object>): this {
    for (const ctor of classes) {
      const record = destinationRecordOf(ctor);
      if (!record) throw new Error(`${ctor.name} is not decorated with @Destination`);
      this.add({
        name: record.name,
        retention: streamTier(record.options.retention ?? this.defaults.retention),
        maxMessageBytes: record.options.maxMessageBytes ?? this.defaults.maxMessageBytes,
        hooks: ctor as new (...args: any[]) => DestinationHooks,
      });
    }
    return this;
  }

  /** Declares destinations by name with the default settings (config `destinations.names`). */
  declare(...names: readonly string[]): this {
    for (const name of names) {
      this.add({ name, retention: streamTier(this.defaults.retention), maxMessageBytes: this.defaults.maxMessageBytes });
    }
    return this;
  }

  private add(spec: DestinationSpec): void {
    if (!NAME.test(spec.name)) throw new Error(`bad destination name "${spec.name}": letters, digits, _ . -, starting with a letter, at most 64`);
    if (this.specs.has(spec.name)) throw new Error(`destination "${spec.name}" is declared twice`);
    this.specs.set(spec.name, spec);
  }

  /** The destination named `name`. @throws ActorGridError UNKNOWN_DESTINATION */
  get(name: unknown): DestinationSpec {
    const spec = typeof name === 'string' ? this.specs.get(name) : undefined;
    if (!spec) throw new ActorGridError('UNKNOWN_DESTINATION', `no destination named ${JSON.stringify(name)}`, { destination: name });
    return spec;
  }

  /** All destinations, by name. */
  all(): DestinationSpec[] {
    return [...this.specs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
