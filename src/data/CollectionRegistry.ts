import Ajv, { type ValidateFunction } from 'ajv';
import type { ActorRegistry, ActorType } from '../actor';
import { RegistryError } from '../actor';
import { ActorGridError } from '../errors';
import { streamTier } from '../grid';
import { collectionRecordOf } from './Collection';
import { DataRecord } from './DataRecord';

/** Collection defaults (config `data`). */
export interface CollectionDefaults {
  retention: number;
  maxValueBytes: number;
}

/** A collection as the node serves it. */
export interface CollectionSpec {
  readonly name: string;
  readonly type: ActorType;
  /** Indexed record fields (dotted paths into the record). */
  readonly indexes: readonly string[];
  /** The compiled schema, if the collection has one. */
  readonly validate?: ValidateFunction;
  /** Changes replayable (a stream tier). */
  readonly retention: number;
  readonly maxValueBytes: number;
  /** Fields the schema gives one JSON type (`type: 'string'`…): plain equality is safe on them on the members. */
  readonly uniform: ReadonlySet<string>;
}

const PATH = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;
const STATE_KEYS = ['value', 'version'];

/**
 * The collections among a node's actor types (`@Collection` classes), checked once at start: each
 * extends DataRecord and declares no state of its own, its index paths are field paths, its schema
 * compiles. `resolve` answers UNKNOWN_COLLECTION for anything else.
 */
export class CollectionRegistry {
  private readonly specs = new Map<string, CollectionSpec>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false });

  constructor(registry: ActorRegistry, defaults: CollectionDefaults) {
    for (const type of registry.types()) {
      const record = collectionRecordOf(type.ctor);
      if (!record) continue;
      const label = `class ${type.ctor.name} (collection ${type.name})`;
      if (!(type.ctor.prototype instanceof DataRecord)) throw new RegistryError('NOT_AN_ACTOR', type.ctor.name, `${label} must extend DataRecord`);
      if (type.stateKeys.join(',') !== STATE_KEYS.join(',')) {
        throw new RegistryError('BAD_NAME', type.ctor.name, `${label} may not declare @State fields: the record (this.value) is its state`);
      }
      const { indexes = [], schema, retention, maxValueBytes } = record.options;
      for (const path of indexes) {
        if (typeof path !== 'string' || !PATH.test(path)) throw new RegistryError('BAD_NAME', type.ctor.name, `${label}: index ${JSON.stringify(path)} is not a field path like "status" or "owner.id"`);
      }
      let validate: ValidateFunction | undefined;
      if (schema !== undefined) {
        try {
          validate = this.ajv.compile(schema);
        } catch (err) {
          throw new RegistryError('BAD_SCHEMA', type.ctor.name, `${label}: its schema does not compile: ${(err as Error).message}`, { cause: err });
        }
      }
      this.specs.set(type.name, {
        name: type.name,
        type,
        indexes: [...new Set(indexes)],
        ...(validate ? { validate } : {}),
        retention: streamTier(retention ?? defaults.retention),
        maxValueBytes: maxValueBytes ?? defaults.maxValueBytes,
        uniform: uniformFields(schema),
      });
    }
  }

  /** The collection of that name. @throws UNKNOWN_COLLECTION */
  resolve(name: unknown): CollectionSpec {
    const spec = typeof name === 'string' ? this.specs.get(name) : undefined;
    if (!spec) throw new ActorGridError('UNKNOWN_COLLECTION', `no collection ${JSON.stringify(String(name))}`, { collection: String(name) });
    return spec;
  }

  /** The collection a type is, if it is one. */
  ofType(type: ActorType): CollectionSpec | undefined {
    return this.specs.get(type.name)?.type === type ? this.specs.get(type.name) : undefined;
  }

  /** Whether `name` is a collection. */
  has(name: string): boolean {
    return this.specs.has(name);
  }

  all(): CollectionSpec[] {
    return [...this.specs.values()];
  }
}

/** Top-level fields a schema gives exactly one scalar type (or an enum of one type). */
function uniformFields(schema: object | undefined): ReadonlySet<string> {
  const out = new Set<string>();
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties || typeof properties !== 'object') return out;
  for (const [field, raw] of Object.entries(properties)) {
    const p = raw as { type?: unknown; enum?: unknown };
    const values = Array.isArray(p?.enum) ? (p.enum as unknown[]) : [];
    if (typeof p?.type === 'string' && ['string', 'number', 'integer', 'boolean'].includes(p.type)) out.add(field);
    else if (p?.type === undefined && values.length > 0 && values.every((v) => v !== null && typeof v !== 'object' && typeof v === typeof values[0])) out.add(field);
  }
  return out;
}
