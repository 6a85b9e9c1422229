import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { ActorGridError } from '../errors';

/** Checks a call's arguments; returns them as an array or throws `INVALID_ARGUMENTS`. */
export type ArgumentChecker = (args: unknown) => unknown[];

/** What the checker of one method is built from. */
export interface ArgumentSpec {
  /** `"Type.method"`, for messages. */
  readonly label: string;
  /** The compiler's `design:paramtypes`; `undefined` when metadata was not emitted (plain JS). */
  readonly paramTypes: readonly unknown[] | undefined;
  /** Parameters before the first one with a default or `?`: the function's `length`. */
  readonly required: number;
  /** Explicit JSON schemas per index (`MethodOptions.params`); they win over `paramTypes`. */
  readonly schemas: ReadonlyArray<object | undefined>;
}

/** One positional parameter's check. */
interface ParamCheck {
  readonly expected: string;
  /** Returns `undefined` when `value` is fine, otherwise what was expected. */
  check(value: unknown): string | undefined;
}

/**
 * Builds the argument checker of one method. Schemas are compiled here, once (ajv throws on a bad
 * schema: the registry turns that into `BAD_SCHEMA`). Inferred checks, by declared type:
 * `number` → finite number, `string`, `boolean`, arrays → array, `Object` (which is also what
 * interfaces, unions, `any` and `unknown` compile to) → any non-null value; every other type (a
 * class, `Date`, `bigint`, enums, …) is accepted as is. `undefined` for an optional parameter is
 * always fine; for a required one it counts as missing.
 *
 * Limits of what the compiler records, which actor authors must know:
 * - Required means "before the first parameter with a default" (`fn.length`). A `?` parameter
 *   without a default is invisible at run time and counts as required: write `upper = false`.
 * - `T | null` and `any`/`unknown` compile to `Object` and refuse `null`; declare a `params`
 *   schema (e.g. `{ type: ['string', 'null'] }`) to accept it.
 * - A rest parameter is recorded as its element type and counts as one parameter; declare an
 *   array parameter instead.
 * - A method whose parameters carry no metadata (plain JavaScript) gets no limit on the number of
 *   arguments.
 */
export function createArgumentChecker(spec: ArgumentSpec, ajv: Ajv): ArgumentChecker {
  const { label, paramTypes, required } = spec;
  const max = paramTypes ? Math.max(paramTypes.length, required, spec.schemas.length) : Infinity;
  const count = Number.isFinite(max) ? max : Math.max(required, spec.schemas.length);
  const checks: Array<ParamCheck | undefined> = [];
  for (let i = 0; i < count; i++) {
    const schema = spec.schemas[i];
    checks.push(schema !== undefined ? schemaCheck(ajv.compile(schema)) : inferredCheck(paramTypes?.[i]));
  }

  return (args) => {
    if (!Array.isArray(args)) {
      throw invalid(`${label}: arguments must be an array, got ${describeValue(args)}`, {
        expected: 'an array of arguments',
        got: describeValue(args),
      });
    }
    if (args.length > max) {
      throw invalid(`${label}: takes at most ${max} argument${max === 1 ? '' : 's'}, got ${args.length}`, {
        index: max,
        expected: `at most ${max} arguments`,
        got: `${args.length} arguments`,
      });
    }
    for (let i = 0; i < checks.length; i++) {
      const value = i < args.length ? args[i] : undefined;
      const check = checks[i];
      if (value === undefined) {
        if (i < required) {
          const expected = check?.expected ?? 'a value';
          throw invalid(`${label}: argument ${i} is required (${expected})`, { index: i, expected, got: 'undefined' });
        }
        continue;
      }
      const problem = check?.check(value);
      if (problem !== undefined) {
        const got = describeValue(value);
        throw invalid(`${label}: argument ${i} ${problem}, got ${got}`, { index: i, expected: problem, got });
      }
    }
    return args;
  };
}

/** A short, value-free description of what was received (never echoes the value itself). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Date) return 'date';
  if (value instanceof Map) return 'map';
  if (value instanceof Set) return 'set';
  return typeof value;
}

const INFERRED = new Map<unknown, ParamCheck>([
  [Number, simple('must be a finite number', (v) => typeof v === 'number' && Number.isFinite(v))],
  [String, simple('must be a string', (v) => typeof v === 'string')],
  [Boolean, simple('must be a boolean', (v) => typeof v === 'boolean')],
  [Array, simple('must be an array', (v) => Array.isArray(v))],
  [Object, simple('must not be null', (v) => v !== null)],
]);

function inferredCheck(type: unknown): ParamCheck | undefined {
  return INFERRED.get(type);
}

function simple(expected: string, test: (value: unknown) => boolean): ParamCheck {
  return { expected, check: (value) => (test(value) ? undefined : expected) };
}

function schemaCheck(validate: ValidateFunction): ParamCheck {
  return {
    expected: 'must match its schema',
    check(value) {
      if (validate(value)) return undefined;
      const error = validate.errors?.[0];
      if (!error) return 'must match its schema';
      return `${error.instancePath ? `at ${error.instancePath} ` : ''}${error.message ?? 'must match its schema'}`;
    },
  };
}

function invalid(message: string, data: Record<string, unknown>): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', message, data);
}
