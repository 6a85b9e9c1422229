import type { RemindersConfig } from './remindersSchema';
import type { GridKind, LOG_FORMATS, LogLevel } from './schema';

/*
 * The hand-written `Config` type the schema in ./schema.ts compiles to, section by section. Keep
 * both in step: test/config.test.ts compares the defaults the schema produces with a literal typed
 * as `Config`, and every key with its row in docs/config.md.
 */

/** The node process. */
export interface NodeConfig {
  /**
   * The node's id, unique in the cluster (the node registry key).
   * @default `<hostname>-<pid>-<6 random hex digits>`, generated when the config is loaded
   */
  readonly id: string;
  /** The interface the HTTP/WebSocket server listens on. @default "127.0.0.1" */
  readonly host: string;
  /** The HTTP/WebSocket port; 0 picks any free port. @default 8080 */
  readonly port: number;
  /**
   * The URL clients reach this node at, listed in `GET /cluster` for clients to fail over to (e.g.
   * `http://node-3.example.com:8080` when it listens on 0.0.0.0). Empty: the URL it listens on. @default ""
   */
  readonly advertiseUrl: string;
  /** The directory actor classes are loaded from. @default "dist/actors" */
  readonly actors: string;
  /** How long a stopping node waits for calls in flight, in ms; 0 = do not wait. @default 10000 */
  readonly drainTimeoutMs: number;
}

/** The grid that holds actor state. */
export interface GridConfig {
  /** `memory` (embedded, single node) or `hazelcast`. @default "memory" */
  readonly kind: GridKind;
  /** The Hazelcast cluster name (hazelcast only). @default "actorgrid" */
  readonly clusterName: string;
  /** Hazelcast member addresses, `host:port` (hazelcast only). @default ["127.0.0.1:5701"] */
  readonly members: readonly string[];
  /** How long the client tries to reach the cluster, in ms (hazelcast only). @default 10000 */
  readonly connectTimeoutMs: number;
  /** How long the client retries one grid operation, in ms (hazelcast only). @default 30000 */
  readonly invocationTimeoutMs: number;
}

/** The turn: lock an actor's entry, read, run a batch of calls, write fenced, unlock. */
export interface TurnConfig {
  /** How long a turn waits for the entry lock before failing with LOCK_TIMEOUT, in ms. @default 5000 */
  readonly lockWaitMs: number;
  /** The lock's lease, in ms: the grid force-unlocks after it and the fence rejects a late write. @default 15000 */
  readonly leaseMs: number;
  /** The most calls one turn runs against one read and one write. @default 64 */
  readonly maxBatch: number;
  /**
   * How long a call made from inside another actor's call may wait to start (its lock included), in
   * ms, before the outer call is rolled back and retried: two actors calling each other never
   * deadlock. @default 200
   */
  readonly nestedLockWaitMs: number;
  /** How often an outer call is rolled back and retried for that reason before it fails with LOCK_TIMEOUT. @default 50 */
  readonly maxNestedRetries: number;
  /** The deadline, in ms, of a call whose caller sets none; nested calls inherit it. @default 30000 */
  readonly callTimeoutMs: number;
  /**
   * How long, in ms since it took an actor's lock, a turn may keep it to run the next batch of the
   * actor's own calls queued on this node meanwhile (without unlocking, locking and reading again);
   * 0 = unlock after every batch. @default 20
   */
  readonly holdMs: number;
  /** The largest state, encoded, a call may grow an actor to; past it the call fails with PAYLOAD_TOO_LARGE, rolled back. @default 1048576 */
  readonly maxStateBytes: number;
  /**
   * Run calls of `@Action({ optimistic: true })` methods without the lock: read (or the record this
   * node last wrote) → run → compare-and-set; under the lock only when that write loses. false =
   * every action takes the lock. @default true
   */
  readonly optimistic: boolean;
  /** Records this node keeps of the actors it last wrote, for optimistic turns to write against without a read; 0 = read every time. @default 10000 */
  readonly cacheEntries: number;
}

/** Results of calls that carried an idempotency key, stored in the actor's record. */
export interface IdempotencyConfig {
  /** Results kept per actor; the oldest go first. @default 128 */
  readonly maxEntries: number;
  /** How long a result is kept, in ms. @default 86400000 (one day) */
  readonly maxAgeMs: number;
  /** The largest result, encoded, kept under an idempotency key; a call with a key and a larger result fails with PAYLOAD_TOO_LARGE. @default 16384 */
  readonly maxResultBytes: number;
}

/** Limits on what a client may send. */
export interface LimitsConfig {
  /** The largest request body or WebSocket frame, in bytes. @default 1048576 (1 MiB) */
  readonly maxPayloadBytes: number;
  /** The most arguments one call may pass. @default 32 */
  readonly maxArgs: number;
  /** Unanswered requests per WebSocket connection before the node stops reading it. @default 64 */
  readonly maxInFlight: number;
  /** The most entries in one JSON-RPC batch. @default 1000 */
  readonly maxBatch: number;
  /** The most WebSocket connections one node holds. @default 10000 */
  readonly maxConnections: number;
  /** The most subscriptions of each kind one connection may hold. @default 1000 */
  readonly maxSubscriptionsPerConnection: number;
  /** Unsent bytes one WebSocket or SSE stream may have waiting before it is closed. @default 8388608 */
  readonly maxBufferedBytes: number;
  /** How often each WebSocket is pinged; one that missed a pong is dropped; 0 = never. @default 30000 */
  readonly pingIntervalMs: number;
  /** The longest destination selector or data `where` clause, in characters. @default 1024 */
  readonly maxSelectorLength: number;
  /** Requests per second per client (subject, else address), bursts of twice that; 0 = no limit. @default 0 */
  readonly ratePerSecond: number;
  /** The deepest nesting of arrays and objects in a request body or frame (JSON and msgpack). @default 64 */
  readonly maxDepth: number;
}

/** The HTTP server's defences against other sites' pages and slow clients (docs/security.md "Hardening"). */
export interface HttpConfig {
  /** Origins besides the node's own whose pages may call it (CORS, WebSocket upgrades); `*` = any. @default [] */
  readonly allowedOrigins: readonly string[];
  /** How long a client has to send a whole request (headers and body), in ms. @default 30000 */
  readonly requestTimeoutMs: number;
  /** How long a client has to send a request's headers, in ms (the smaller of this and `requestTimeoutMs` applies). @default 10000 */
  readonly headersTimeoutMs: number;
}

/** The registry of live app nodes (entries with a TTL, refreshed by a heartbeat). */
export interface RegistryConfig {
  /** How often a node refreshes its entry, in ms. @default 2000 */
  readonly heartbeatMs: number;
  /** How long an entry lives without a heartbeat, in ms; at least twice `heartbeatMs`. @default 10000 */
  readonly ttlMs: number;
}

/** Logging. */
export interface LogConfig {
  /** The least severe level logged; `silent` logs nothing. @default "info" */
  readonly level: LogLevel;
  /** `json`, `pretty`, or `auto` (pretty on a terminal). @default "auto" */
  readonly format: (typeof LOG_FORMATS)[number];
}

/**
 * A node's validated, fully defaulted and deeply frozen configuration, as `loadConfig` returns it.
 *
 * @example
 * const config = loadConfig({ overrides: { node: { port: 0 } } });
 * config.grid.kind; // "memory" unless the file or ACTORGRID_GRID_KIND says otherwise
 */
export interface Config {
  readonly node: NodeConfig;
  readonly grid: GridConfig;
  readonly turn: TurnConfig;
  readonly idempotency: IdempotencyConfig;
  readonly limits: LimitsConfig;
  readonly http: HttpConfig;
  readonly registry: RegistryConfig;
  readonly destinations: DestinationsConfig;
  readonly sharedObjects: SharedObjectsConfig;
  readonly data: DataConfig;
  readonly auth: AuthConfig;
  readonly reminders: RemindersConfig;
  readonly testing: TestingConfig;
  readonly log: LogConfig;
  readonly pg: PgConfig;
}

/**
 * PostgreSQL persistence settings of the Hazelcast members' MapStore (docs/persistence.md). The
 * members read them from their own environment (`ACTORGRID_PG_*`) or `-Dactorgrid.pg.*`; a node
 * accepts and validates the same variables, and uses none of them.
 */
export interface PgConfig {
  /** `jdbc:postgresql:…`, `postgres://…` or `postgresql://…`; without it the members use PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD. */
  readonly url?: string;
  /** Overrides the URL's user. */
  readonly user?: string;
  /** Overrides the URL's password. */
  readonly password?: string;
  /** The schema of the entry table, created on first start. @default "actorgrid" */
  readonly schema: string;
  /** `lazy`: actor state loads on first access; `eager`: every key loads when a map is first used. Collections (`data.*`) are always eager. @default "lazy" */
  readonly loadAllKeys: 'lazy' | 'eager';
  /** Database connections per member. @default 8 */
  readonly poolSize: number;
  /** How long a member waits for a connection before the call fails with UNAVAILABLE, ms. @default 2000 */
  readonly connectTimeoutMs: number;
}

/** Shared objects (docs/shared-objects.md). */
export interface SharedObjectsConfig {
  /** Shared objects declared by name or prefix pattern (`board.*`), open to anyone, with the default settings. @default [] */
  readonly names: readonly string[];
  /** Versions replayable as deltas (resume with `since`), unless `@SharedObject` says otherwise (rounded up to a stream tier). @default 10000 */
  readonly retention: number;
  /** The most slots one shared object may hold, unless `@SharedObject` says otherwise. @default 1000 */
  readonly maxSlots: number;
  /** The largest slot value, as JSON, in bytes, unless `@SharedObject` says otherwise. @default 65536 */
  readonly maxValueBytes: number;
  /** Bytes that may wait in one connection's send buffer before its shared-object subscriptions skip versions and get a reset. @default 1048576 */
  readonly maxBufferedBytes: number;
  /** How often, in ms, a node with subscribers of a shared object checks its stream lacks no committed version. @default 1000 */
  readonly repairCheckMs: number;
}

/** Collections and live queries (docs/data.md). */
export interface DataConfig {
  /** Changes of a collection replayable (resume with `after`), unless `@Collection` says otherwise (rounded up to a stream tier). @default 10000 */
  readonly retention: number;
  /** The largest record, as JSON, in bytes, unless `@Collection` says otherwise. @default 65536 */
  readonly maxValueBytes: number;
  /** The most records one query returns. @default 10000 */
  readonly maxResults: number;
  /** Bytes that may wait in one connection's send buffer before its watches skip changes and get a reset. @default 1048576 */
  readonly maxBufferedBytes: number;
  /** How often, in ms, a node looks for records whose committed change is not yet in their stream. @default 1000 */
  readonly repairCheckMs: number;
}

/** Authentication and authorization (docs/security.md). */
export interface AuthConfig {
  /** Require credentials and check every request against `@Allow` and `rules`. @default false */
  readonly enabled: boolean;
  /** HS256 shared secret. @default "" */
  readonly jwtSecret: string;
  /** A PEM public key file (RS256, ES256). @default "" */
  readonly jwtPublicKeyFile: string;
  /** A JSON Web Key Set file. @default "" */
  readonly jwksFile: string;
  /** The `iss` a token must carry; empty: any. @default "" */
  readonly issuer: string;
  /** The `aud` a token must carry; empty: any. @default "" */
  readonly audience: string;
  /** The claim holding roles. @default "roles" */
  readonly rolesClaim: string;
  /** API keys as `name:sha256hex[:role+role]`. @default [] */
  readonly apiKeys: readonly string[];
  /** Rules `"<kind> <name|prefix*> [<op>] <role+role|*|public>"`. @default [] */
  readonly rules: readonly string[];
  /** Grace after a WebSocket's token expired before it is closed with 4401, in ms. @default 5000 */
  readonly expiryGraceMs: number;
}

/** Switches for tests only. */
export interface TestingConfig {
  /** Points where the node kills itself on purpose (`outbox.beforeAppend`). Never set in production. @default [] */
  readonly failpoints: readonly string[];
}

/** Publish/subscribe destinations. */
export interface DestinationsConfig {
  /** Destinations declared by name, open to anyone, with the default settings. @default [] */
  readonly names: readonly string[];
  /** Messages a destination keeps replayable unless its `@Destination` says otherwise (rounded up to a stream tier). @default 10000 */
  readonly retention: number;
  /** The largest message, encoded, in bytes, unless its `@Destination` says otherwise. @default 65536 */
  readonly maxMessageBytes: number;
  /**
   * Bytes of messages that may wait in one connection's send buffer; past it that connection's
   * subscriptions skip messages and then get a `destination.gap` (docs/destinations.md). @default 1048576
   */
  readonly maxBufferedBytes: number;
}

export type { RemindersConfig };
