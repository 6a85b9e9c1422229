import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { defaultDatabaseUrl } from '../../scripts/harness/MemberPersistence';

/** One row of the MapStore's entry table (mapstore/…/EntryTable.java). */
export interface EntryRow {
  key: string;
  bin: Buffer | null;
  json: string | null;
  doc: unknown;
}

/**
 * A schema of its own for one test file: the members' MapStore creates its table there, the test
 * reads it back, and `drop()` removes it (call it in `after`, it runs on failure too). Creating one
 * fails, never skips, when PostgreSQL is not reachable.
 *
 * @example
 * const db = await PgTestSchema.create('restart');
 * new HazelcastHarness({ persistence: { url: db.url, schema: db.schema } });
 */
export class PgTestSchema {
  private constructor(
    private readonly client: Client,
    /** Lower-case, unique per test run. */
    readonly schema: string,
    /** The database URL, for the members. */
    readonly url: string,
  ) {}

  static async create(prefix: string): Promise<PgTestSchema> {
    const url = defaultDatabaseUrl();
    const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(
        `the persistence tests need PostgreSQL at ${url.host}${url.pathname} (set ACTORGRID_PG_URL to use another): ${(err as Error).message}`,
      );
    }
    const schema = `t_${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
    return new PgTestSchema(client, schema, url.toString());
  }

  /** The database URL with another host port (e.g. a proxy's). */
  urlVia(port: number): string {
    const url = new URL(this.url);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  }

  /** Every row of `map`, by key. */
  async rows(map: string): Promise<Map<string, EntryRow>> {
    const result = await this.client.query<EntryRow>(
      `SELECT key, bin, json, doc FROM "${this.schema}".grid_entries WHERE map = $1`,
      [map],
    );
    return new Map(result.rows.map((row) => [row.key, row]));
  }

  /** The row of `map[key]`, if there is one (undefined also while the table does not exist yet). */
  async row(map: string, key: string): Promise<EntryRow | undefined> {
    const exists = await this.client.query(`SELECT to_regclass($1) AS t`, [`"${this.schema}".grid_entries`]);
    if (exists.rows[0].t === null) return undefined;
    const result = await this.client.query<EntryRow>(
      `SELECT key, bin, json, doc FROM "${this.schema}".grid_entries WHERE map = $1 AND key = $2`,
      [map, key],
    );
    return result.rows[0];
  }

  /** Runs any SQL (for seeding and queries a test makes itself). */
  async query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.client.query<R>(sql, params)).rows;
  }

  /** Drops the schema and closes the connection. */
  async drop(): Promise<void> {
    try {
      await this.client.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      await this.client.end();
    }
  }
}
