import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors/ActorGridError';
import { configKeys, configSchema, ENV_CONFIG_FILE, ENV_PREFIX, screamingSnake, type Config, type ConfigKey, type KeySchema } from './schema';

/** `T` with every key optional at every depth; arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Where `loadConfig` looks, and what it lays on top. */
export interface LoadConfigOptions {
  /**
   * The JSON config file, relative to the working directory. It must exist.
   * @default the file named by ACTORGRID_CONFIG, else `config/default.json` under the project root if present
   */
  file?: string;
  /** The environment to read `ACTORGRID_*` variables from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The last layer, above the file and the environment (CLI flags, tests). `undefined` values are skipped. */
  overrides?: DeepPartial<Config>;
}

/**
 * Loads a node's configuration: schema defaults < JSON file < `ACTORGRID_<SECTION>_<KEY>`
 * environment variables < `overrides`. The merged result is validated once against the schema,
 * then cross-field checks run; every problem found, with the key and the layer it came from, is
 * thrown together in one `ConfigError`. The result is deeply frozen.
 *
 * @throws ConfigError listing every problem
 * @example
 * const config = loadConfig({ overrides: { node: { port: 0 } } });
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const sources = new Sources();
  const merged: Record<string, unknown> = {};

  const file = readConfigFile(options.file, env, problems);
  if (file) merge(merged, file.data, [], file.label, sources);
  for (const { key, value } of readEnv(env, problems)) {
    merge(merged, { [key.section]: { [key.key]: value } }, [], `from ${key.env}`, sources);
  }
  if (options.overrides !== undefined) {
    if (isPlainObject(options.overrides)) merge(merged, options.overrides, [], 'from overrides', sources);
    else problems.push(`overrides: must be an object; got ${show(options.overrides)}`);
  }

  const validate = validator();
  const invalid = new Set<string>();
  if (!validate(merged)) {
    const errors = validate.errors ?? [];
    // An unknown key does not make its siblings' values wrong; anything else does.
    for (const e of errors) if (e.keyword !== 'additionalProperties') invalid.add(e.instancePath);
    problems.push(...errors.filter((e) => !shadowedByTypeError(e, errors)).map((e) => formatError(e, sources)));
  }
  problems.push(...crossFieldProblems(merged, sources, invalid));

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(compile(merged));
}

/**
 * The directory of the nearest package.json above `from` (this package's root, whether it runs from
 * src/config, dist/src/config or node_modules), or the working directory if there is none.
 */
export function findProjectRoot(from: string = __dirname): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

/**
 * The compiled schema. Compiling costs 30-100 ms and the result is a pure function of the schema,
 * so it is compiled once per process, on first use; it holds no node state.
 */
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true }).compile(configSchema);
  return compiled;
}

// ---- layers ------------------------------------------------------------------------------------

/**
 * Which layer set each value (and created each object). A key nobody set has its default, even
 * when a layer created its section; an array item came with its array.
 */
class Sources {
  private readonly entries = new Map<string, { label: string; leaf: boolean }>();

  /** `label` gave `path` a new value, which drops whatever was below the old one. */
  set(path: readonly string[], label: string, leaf: boolean): void {
    const key = path.join('\n');
    for (const other of [...this.entries.keys()]) if (other.startsWith(`${key}\n`)) this.entries.delete(other);
    this.entries.set(key, { label, leaf });
  }

  has(path: readonly string[]): boolean {
    return this.entries.has(path.join('\n'));
  }

  /** `from ACTORGRID_NODE_PORT`, `from /path/to/file.json`, `from overrides` or `default`. */
  label(path: readonly string[]): string {
    const exact = this.entries.get(path.join('\n'));
    if (exact) return exact.label;
    for (let n = path.length - 1; n > 0; n--) {
      const entry = this.entries.get(path.slice(0, n).join('\n'));
      if (entry?.leaf) return entry.label;
    }
    return 'default';
  }
}

/** Deep-merges `layer` into `target`: objects merge key by key, anything else replaces. */
function merge(target: Record<string, unknown>, layer: object, path: string[], label: string, sources: Sources): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const at = [...path, key];
    // Own properties only: `target.__proto__` would otherwise be Object.prototype.
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(value)) {
      let child: Record<string, unknown>;
      if (isPlainObject(existing)) {
        child = existing;
      } else {
        child = {};
        setOwn(target, key, child);
        sources.set(at, label, false);
      }
      merge(child, value, at, label, sources);
    } else {
      // Copy arrays so that freezing the result never freezes the caller's overrides.
      setOwn(target, key, Array.isArray(value) ? [...value] : value);
      sources.set(at, label, true);
    }
  }
}

/** Defines an own property even for `__proto__`, so a hostile file cannot reach a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The file layer: the explicit file, else ACTORGRID_CONFIG, else config/default.json if present. */
function readConfigFile(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  problems: string[],
): { data: Record<string, unknown>; label: string } | undefined {
  const fromEnv = env[ENV_CONFIG_FILE];
  const [file, origin] =
    explicit !== undefined
      ? [explicit, 'the file option']
      : fromEnv !== undefined
        ? [fromEnv, ENV_CONFIG_FILE]
        : [join(findProjectRoot(), 'config', 'default.json'), undefined];
  if (file === '') {
    problems.push(`config file (from ${origin}): must name a file; got ""`);
    return undefined;
  }
  const path = resolve(file);
  const what = origin ? `config file ${path} (from ${origin})` : `config file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && origin === undefined) return undefined; // the default file is optional
    problems.push(`${what}: cannot be read: ${READ_ERRORS[code ?? ''] ?? (err as Error).message}`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    problems.push(`${what}: is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
  if (!isPlainObject(data)) {
    problems.push(`${what}: must hold a JSON object; got ${show(data)}`);
    return undefined;
  }
  return { data, label: `from ${path}` };
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

/** The `ACTORGRID_*` variables, coerced by their key's schema type; unknown names are problems. */
function readEnv(env: NodeJS.ProcessEnv, problems: string[]): { key: ConfigKey; value: unknown }[] {
  const keys = configKeys();
  const byName = new Map(keys.map((k) => [k.env, k]));
  const found: { key: ConfigKey; value: unknown }[] = [];
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || name === ENV_CONFIG_FILE || raw === undefined) continue;
    const key = byName.get(name);
    if (key) found.push({ key, value: coerce(raw, key.schema) });
    else problems.push(unknownEnvProblem(name, keys));
  }
  return found;
}

function unknownEnvProblem(name: string, keys: ConfigKey[]): string {
  const section = keys.find((k) => name.startsWith(`${ENV_PREFIX}${screamingSnake(k.section)}_`))?.section;
  if (section) {
    const known = keys.filter((k) => k.section === section).map((k) => k.env);
    return `${name} (environment): names no config key; the ${section} keys are ${known.join(', ')}`;
  }
  const sections = [...new Set(keys.map((k) => `${ENV_PREFIX}${screamingSnake(k.section)}_*`))];
  return `${name} (environment): names no config section; they are ${sections.join(', ')} (and ${ENV_CONFIG_FILE} for the file)`;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** A string from the environment as the schema's type; what does not parse stays a string for ajv to report. */
function coerce(raw: string, schema: Pick<KeySchema, 'type' | 'items'>): unknown {
  switch (schema.type) {
    case 'integer':
    case 'number':
      return NUMBER.test(raw) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'array': {
      const items = schema.items as Pick<KeySchema, 'type'>;
      return raw.trim() === '' ? [] : raw.split(',').map((item) => coerce(item.trim(), items));
    }
    default:
      return raw;
  }
}

// ---- problems ----------------------------------------------------------------------------------

/** `enum` and co. add nothing when the value has the wrong type altogether. */
function shadowedByTypeError(e: ErrorObject, all: ErrorObject[]): boolean {
  return e.keyword !== 'type' && all.some((o) => o.keyword === 'type' && o.instancePath === e.instancePath);
}

/** One ajv error as `path (source): must …; got …`. */
function formatError(e: ErrorObject, sources: Sources): string {
  const path = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapePointer);
  const got = `; got ${show(e.data)}`;
  let text: string;
  switch (e.keyword) {
    case 'additionalProperties': {
      path.push(String(e.params.additionalProperty));
      const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {}).join(', ');
      text = path.length === 1 ? `unknown section; the sections are ${known}` : `unknown key; the ${path[0]} keys are ${known}`;
      break;
    }
    case 'type':
      text = `must be ${/^[aeiou]/.test(e.params.type) ? 'an' : 'a'} ${e.params.type}${got}`;
      break;
    case 'enum':
      text = `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}${got}`;
      break;
    case 'minimum':
    case 'maximum':
      text = `must be ${e.keyword === 'minimum' ? '>=' : '<='} ${e.params.limit}${got}`;
      break;
    case 'minLength':
      text = e.params.limit === 1 ? `must not be empty` : `must have at least ${e.params.limit} characters${got}`;
      break;
    case 'minItems':
      text = `must list at least ${e.params.limit} item${e.params.limit === 1 ? '' : 's'}${got}`;
      break;
    case 'uniqueItems':
      text = `must not list ${show((e.data as unknown[])[e.params.i])} twice`;
      break;
    case 'pattern':
      text = `must be ${String(e.parentSchema?.description ?? `a string matching ${e.params.pattern}`)}${got}`;
      break;
    default:
      text = `${e.message ?? e.keyword}${got}`;
  }
  return `${formatPath(path)} (${sources.label(path)}): ${text}`;
}

/**
 * Checks that need several keys. Only what matters: a check on keys the schema already rejected
 * would add noise, so those are skipped. (`turn.lockWaitMs` vs `turn.leaseMs` is deliberately not
 * checked: waiting for a lock longer than a lease is legitimate; the waiter gets it when it expires.)
 */
function crossFieldProblems(data: Record<string, unknown>, sources: Sources, invalid: Set<string>): string[] {
  const problems: string[] = [];
  const ok = (...path: string[]) => !path.some((_, n) => invalid.has(`/${path.slice(0, n + 1).join('/')}`));
  const at = (path: string[]) => `${path.join('.')} (${sources.label(path)})`;

  // A node entry must survive one late or lost heartbeat, or live nodes flap out of the registry.
  const registry = data.registry as Record<string, unknown> | undefined;
  if (isPlainObject(registry) && ok('registry', 'heartbeatMs') && ok('registry', 'ttlMs')) {
    const { heartbeatMs, ttlMs } = registry as { heartbeatMs: number; ttlMs: number };
    if (ttlMs < 2 * heartbeatMs) {
      problems.push(
        `${at(['registry', 'ttlMs'])}: must be at least twice registry.heartbeatMs (${heartbeatMs}, ${sources.label(['registry', 'heartbeatMs'])}), ` +
          `so that one late heartbeat does not drop a live node; got ${ttlMs}`,
      );
    }
  }

  // Hazelcast settings with the default embedded grid: every node would silently get its own
  // private memory grid, i.e. split writers. Choosing `memory` explicitly is fine.
  const grid = data.grid as Record<string, unknown> | undefined;
  if (isPlainObject(grid) && grid.kind === 'memory' && !sources.has(['grid', 'kind'])) {
    const set = HAZELCAST_ONLY.filter((key) => sources.has(['grid', key])).map((key) => at(['grid', key]));
    if (set.length > 0) {
      problems.push(
        `grid.kind (default): is "memory", but ${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, which only a hazelcast grid uses; ` +
          `set grid.kind to "hazelcast" (or to "memory" explicitly)`,
      );
    }
  }

  // Auth on with nothing to verify credentials with would refuse every request.
  const auth = data.auth as Record<string, unknown> | undefined;
  if (isPlainObject(auth) && auth.enabled === true && ok('auth')) {
    const { jwtSecret, jwtPublicKeyFile, jwksFile, apiKeys } = auth as { jwtSecret: string; jwtPublicKeyFile: string; jwksFile: string; apiKeys: string[] };
    if (!jwtSecret && !jwtPublicKeyFile && !jwksFile && apiKeys.length === 0) {
      problems.push(`${at(['auth', 'enabled'])}: is true, but none of auth.jwtSecret, auth.jwtPublicKeyFile, auth.jwksFile, auth.apiKeys is set, so no credentials could ever be verified`);
    }
  }
  return problems;
}

const HAZELCAST_ONLY = ['clusterName', 'members', 'connectTimeoutMs', 'invocationTimeoutMs'] as const;

// ---- compile -----------------------------------------------------------------------------------

/** The validated options as `Config`: fills in what has no static default. */
function compile(valid: Record<string, unknown>): Config {
  const config = valid as unknown as Config;
  const id = config.node.id ?? generateNodeId();
  return { ...config, node: { ...config.node, id } };
}

/** `<hostname>-<pid>-<random>`, kept within the node id pattern. */
function generateNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 96) || 'node';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

// ---- helpers -----------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `['grid', 'members', '1']` -> `grid.members[1]`. */
function formatPath(path: readonly string[]): string {
  return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

/** A value as it appears in a problem, shortened. */
function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
