/**
 * PostgreSQL persistence for a harness cluster's members (docs/persistence.md): which member
 * config, class path and system properties turn the MapStore on for `actor.*` and `data.*`.
 */
export interface MemberPersistenceOptions {
  /**
   * `write-through`: a write returns once PostgreSQL committed it. `write-behind`: writes are
   * batched to PostgreSQL every `writeDelaySeconds`; a crash of all members loses up to that window.
   * @default 'write-through'
   */
  mode?: 'write-through' | 'write-behind';
  /** The write-behind window in seconds (ignored for write-through). @default 5 */
  writeDelaySeconds?: number;
  /** `lazy`: entries load on first access; `eager`: every key is loaded when a map is first used. @default 'lazy' */
  loadAllKeys?: 'lazy' | 'eager';
  /**
   * The database: a JDBC URL or a `postgres://user:password@host:port/db` URI.
   * @default ACTORGRID_PG_URL, else the PG* variables, as the members see them
   */
  url?: string;
  /** The schema holding the entry table (created on first start). @default ACTORGRID_PG_SCHEMA, else 'actorgrid' */
  schema?: string;
}

/** The member config file of persisted clusters, in `config/`. */
export const PERSISTENCE_CONFIG_FILE = 'hazelcast-persistence.yaml';

/**
 * The `-D` options that configure the MapStore of a member started with
 * `config/hazelcast-persistence.yaml`.
 *
 * @throws Error on a write-behind window that is not a positive integer.
 */
export function persistenceSystemProperties(options: MemberPersistenceOptions, configDir: string): string[] {
  const mode = options.mode ?? 'write-through';
  let delay = 0;
  if (mode === 'write-behind') {
    delay = options.writeDelaySeconds ?? 5;
    if (!Number.isInteger(delay) || delay < 1) throw new Error(`writeDelaySeconds must be an integer >= 1, got ${delay}`);
  }
  const properties = [`-Dactorgrid.config.dir=${configDir}`, `-Dactorgrid.pg.write.delay.seconds=${delay}`];
  if (options.loadAllKeys) properties.push(`-Dactorgrid.pg.load-all-keys=${options.loadAllKeys}`);
  if (options.url) properties.push(`-Dactorgrid.pg.url=${options.url}`);
  if (options.schema) properties.push(`-Dactorgrid.pg.schema=${options.schema}`);
  return properties;
}

/**
 * The PostgreSQL that tests and the bench use: ACTORGRID_PG_URL if set, else the local server
 * (`postgres://postgres@127.0.0.1:5432/test`, trust authentication).
 */
export function defaultDatabaseUrl(): URL {
  return new URL(process.env.ACTORGRID_PG_URL || 'postgres://postgres@127.0.0.1:5432/test');
}
