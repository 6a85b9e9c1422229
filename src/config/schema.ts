/**
 * The one JSON schema (draft-07, validated by ajv 8) of a node's configuration, with every default
 * next to its key (the hand-written `Config` type it compiles to is in ./Config.ts). Every key is
 * optional for the user: ajv's `useDefaults` fills in what is missing, and no object accepts keys it
 * does not know.
 *
 * Keep `Config` and the schema in step: test/config.test.ts compares the defaults the schema
 * produces with a literal typed as `Config`, and every key with its row in docs/config.md.
 */

import type { Config } from './Config';
import { ms, integer, section } from './schemaParts';
import { remindersSection } from './remindersSchema';

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** How log lines look. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** The grid adapters a node can use. */
export const GRID_KINDS = ['memory', 'hazelcast'] as const;
/** One of {@link GRID_KINDS}: `memory` (embedded, single node) or `hazelcast` (a real cluster). */
export type GridKind = (typeof GRID_KINDS)[number];

/** A port is 1..65535 in a member address (0, "any port", makes no sense for a member to dial). */
const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/** host:port, where host is a name, an IPv4 address or a bracketed IPv6 address. */
const MEMBER_PATTERN = `^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?):${PORT}$`;

/**
 * The schema of the whole configuration. Descriptions double as the `must be …` text of pattern
 * errors, so they read as a noun phrase.
 */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'actorgrid node configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    node: section('This node process.', {
      // No default: the compile stage generates one per process (hostname-pid-random).
      id: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
        description: 'a node id of letters, digits, ".", "_" and "-" (at most 128 characters)',
      },
      host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'the interface to listen on' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080, description: 'the HTTP port; 0 = any free port' },
      advertiseUrl: {
        type: 'string',
        pattern: '^(https?://[^\\s/]+(/[^\\s]*)?)?$',
        default: '',
        description: 'the URL clients reach this node at (http://host:port, e.g. a public name behind NAT), listed in GET /cluster; empty = the URL it listens on',
      },
      actors: { type: 'string', minLength: 1, default: 'dist/actors', description: 'the directory to load actor classes from' },
      drainTimeoutMs: ms(10000, 'how long a stopping node waits for calls in flight; 0 = do not wait', 0),
    }),
    grid: section('Where actor state lives.', {
      kind: { type: 'string', enum: GRID_KINDS, default: 'memory', description: 'the grid adapter' },
      clusterName: { type: 'string', minLength: 1, default: 'actorgrid', description: 'the Hazelcast cluster name' },
      members: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', pattern: MEMBER_PATTERN, description: 'a "host:port" address such as 127.0.0.1:5701' },
        default: ['127.0.0.1:5701'],
        description: 'Hazelcast member addresses',
      },
      connectTimeoutMs: ms(10000, 'how long to try to reach the cluster before giving up'),
      invocationTimeoutMs: ms(30000, 'how long the client retries one grid operation'),
    }),
    turn: section('One turn: lock, read, run a batch of calls, fenced write, unlock.', {
      lockWaitMs: ms(5000, 'how long a turn waits for the entry lock before LOCK_TIMEOUT; 0 = do not wait', 0),
      leaseMs: ms(15000, 'the lock lease; the grid force-unlocks after it'),
      maxBatch: integer(64, 1, 'the most calls one turn runs'),
      nestedLockWaitMs: ms(200, 'how long a call made from inside another actor call may wait to start before its caller is rolled back and retried'),
      maxNestedRetries: integer(50, 0, 'how often a call is rolled back and retried because a nested call met a locked actor'),
      callTimeoutMs: ms(30000, 'the deadline a call gets when its caller sets none; nested calls inherit it'),
      holdMs: ms(20, 'how long a turn may keep an actor\'s lock for the next batch of its calls while its queue on this node stays busy (no lock, no read for that batch); 0 = unlock after every batch', 0),
      maxStateBytes: integer(1048576, 1, 'the largest state (encoded) a call may grow an actor to; a call past it fails with PAYLOAD_TOO_LARGE and is rolled back'),
      optimistic: { type: 'boolean', default: true, description: 'run calls of @Action({optimistic: true}) methods without the lock: read (or the record this node last wrote) → run → compare-and-set, under the lock only when that write loses; false = every action takes the lock' },
      cacheEntries: integer(10000, 0, 'records this node keeps of the actors it last wrote, for optimistic turns to compare-and-set against without a read; 0 = read every time'),
    }),
    idempotency: section('Stored results of calls with an idempotency key.', {
      maxEntries: integer(128, 1, 'results kept per actor'),
      maxAgeMs: { type: 'integer', minimum: 1, default: 86400000, description: 'how long a result is kept' },
      maxResultBytes: integer(16384, 1, 'the largest result (encoded) kept under an idempotency key; a call with a key and a larger result fails with PAYLOAD_TOO_LARGE'),
    }),
    limits: section('Request limits.', {
      maxPayloadBytes: integer(1048576, 1, 'the largest request body or frame'),
      maxArgs: integer(32, 0, 'the most arguments one call may pass'),
      maxInFlight: integer(64, 1, 'unanswered requests per WebSocket connection before the node stops reading it'),
      maxBatch: integer(1000, 1, 'the most entries in one JSON-RPC batch'),
      maxConnections: integer(10000, 1, 'the most WebSocket connections one node holds; more are refused with 503 UNAVAILABLE (clients go to another node)'),
      maxSubscriptionsPerConnection: integer(1000, 1, 'the most subscriptions of each kind (destinations, shared objects, watches) one connection may hold'),
      maxBufferedBytes: integer(8388608, 65536, 'unsent bytes one WebSocket or SSE stream may have waiting before the node closes it (a client that does not read)'),
      pingIntervalMs: ms(30000, 'how often the node pings each WebSocket; one that missed the previous pong is dropped; 0 = never', 0),
      maxSelectorLength: integer(1024, 1, 'the longest destination selector or data where clause, in characters'),
      ratePerSecond: integer(0, 0, 'requests per second one client (its authenticated subject, else its address) may make, with bursts of twice that; over it: RATE_LIMITED (retryable); 0 = no limit'),
      maxDepth: integer(64, 1, 'the deepest nesting of arrays and objects a request body or frame may have (JSON and msgpack); deeper is PARSE_ERROR'),
    }),
    http: section('The HTTP server: browsers from other sites, slow clients.', {
      allowedOrigins: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', pattern: '^(\\*|https?://[^\\s/]+)$', description: 'an origin such as https://app.example.com (scheme, host, port; no path), or * for any' },
        default: [],
        description: 'origins (besides the node\'s own) whose browser pages may call the node: CORS answers and WebSocket upgrades; empty = same origin only',
      },
      requestTimeoutMs: ms(30000, 'how long a client has to send a whole request, headers and body; slower is cut with 408 REQUEST_TIMEOUT'),
      headersTimeoutMs: ms(10000, 'how long a client has to send a request\'s headers; slower is cut with 408 REQUEST_TIMEOUT'),
    }),
    registry: section('The registry of live nodes.', {
      heartbeatMs: ms(2000, 'how often a node refreshes its entry'),
      ttlMs: ms(10000, 'how long an entry lives without a heartbeat'),
    }),
    destinations: section('Publish/subscribe destinations.', {
      names: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$', description: 'a destination name' },
        default: [],
        description: 'destinations declared by name, open to anyone, with the default settings (classes with @Destination add more)',
      },
      retention: integer(10000, 1, 'how many recent messages a destination keeps replayable, unless its @Destination says otherwise; rounded up to 16, 1000, 10000 or 100000'),
      maxMessageBytes: integer(65536, 1, 'the largest message (encoded body and headers), unless its @Destination says otherwise'),
      maxBufferedBytes: integer(1048576, 1024, 'how many bytes of messages may wait in one connection\'s send buffer before its subscriptions skip messages and get a gap'),
    }),
    sharedObjects: section('Shared objects: named slot sets synced to every subscriber.', {
      names: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.:-]{0,254}(\\.\\*)?$', description: 'a shared object name, or a prefix pattern such as board.*' },
        default: [],
        description: 'shared objects declared by name or pattern, open to anyone, with the default settings (classes with @SharedObject add more)',
      },
      retention: integer(10000, 1, 'how many recent versions of a shared object stay replayable as deltas, unless its @SharedObject says otherwise; rounded up to 16, 1000, 10000 or 100000'),
      maxSlots: integer(1000, 1, 'the most slots one shared object may hold, unless its @SharedObject says otherwise'),
      maxValueBytes: integer(65536, 1, 'the largest slot value (as JSON), unless its @SharedObject says otherwise'),
      maxBufferedBytes: integer(1048576, 1024, 'how many bytes may wait in one connection\'s send buffer before its shared-object subscriptions skip versions and then get one reset snapshot'),
      repairCheckMs: ms(1000, 'how often a node that has subscribers of a shared object checks that no committed version is missing from its stream'),
    }),
    data: section('Collections and live queries (docs/data.md).', {
      retention: integer(10000, 1, 'how many recent changes of a collection stay replayable (resume a watch with after), unless its @Collection says otherwise; rounded up to 16, 1000, 10000 or 100000'),
      maxValueBytes: integer(65536, 1, 'the largest record, as JSON, unless its @Collection says otherwise'),
      maxResults: integer(10000, 1, 'the most records one query returns (a larger unlimited result is refused: add a limit)'),
      maxBufferedBytes: integer(1048576, 1024, 'how many bytes may wait in one connection\'s send buffer before its watches skip changes and then get one data.reset'),
      repairCheckMs: ms(1000, 'how often a node looks for records whose committed change is not yet in their collection\'s stream (a node that died between commit and append)'),
    }),
    auth: section('Authentication and authorization (docs/security.md).', {
      enabled: { type: 'boolean', default: false, description: 'require credentials (a JWT or an API key) and check every request against the @Allow declarations and auth.rules; off: everything is open' },
      jwtSecret: { type: 'string', default: '', description: 'the shared secret of HS256 JSON Web Tokens' },
      jwtPublicKeyFile: { type: 'string', default: '', description: 'a PEM public key file (RS256, ES256) that verifies JSON Web Tokens' },
      jwksFile: { type: 'string', default: '', description: 'a JSON Web Key Set file whose keys verify JSON Web Tokens' },
      issuer: { type: 'string', default: '', description: 'the iss a token must carry (empty: any)' },
      audience: { type: 'string', default: '', description: 'the aud a token must carry (empty: any)' },
      rolesClaim: { type: 'string', minLength: 1, default: 'roles', description: 'the token claim holding the principal\'s roles (an array, or a space-separated string)' },
      apiKeys: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}(:[A-Za-z0-9._-]+(\\+[A-Za-z0-9._-]+)*)?$', description: 'an API key as name:sha256-hex-of-the-key[:role+role]' },
        default: [],
        description: 'API keys, hashed (name:sha256 hex of the key:roles joined by +); clients send Authorization: ApiKey <key>',
      },
      rules: {
        type: 'array',
        items: { type: 'string', pattern: '^(actor|destination|sharedObject|collection) [^\\s]+( [^\\s]+)? [^\\s]+$', description: 'a rule "<kind> <name or prefix*> [<op>] <role+role|*|public>"' },
        default: [],
        description: 'who may reach what, besides @Allow: "<actor|destination|sharedObject|collection> <name or prefix*> [<op>] <roles>", roles joined by +, * = anyone authenticated, public = anyone',
      },
      expiryGraceMs: ms(5000, 'how long a WebSocket whose token expired may send auth.login with a new one before it is closed (4401)', 0),
    }),
    reminders: remindersSection,
    testing: section('Switches for tests only.', {
      failpoints: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', enum: ['outbox.beforeAppend'], description: 'a failpoint name' },
        default: [],
        description: 'points where the node kills itself on purpose (outbox.beforeAppend: after a turn commits, before what it emitted is appended); never set in production',
      },
    }),
    log: section('Logging.', {
      level: { type: 'string', enum: LOG_LEVELS, default: 'info', description: 'the least severe level logged' },
      format: { type: 'string', enum: LOG_FORMATS, default: 'auto', description: 'json (one object per line), pretty, or auto: pretty when stderr is a terminal, else json' },
    }),
    pg: section('PostgreSQL persistence of the Hazelcast members (docs/persistence.md): read by their MapStore from ACTORGRID_PG_*; the node only validates them, so nodes and members can share one environment.', {
      url: {
        type: 'string',
        pattern: '^(jdbc:postgresql:|postgres(ql)?://)',
        description: 'a jdbc:postgresql:, postgres:// or postgresql:// URL (without it, the PG* variables)',
      },
      user: { type: 'string', minLength: 1, description: 'the database user (overrides the URL\'s)' },
      password: { type: 'string', description: 'the database password (overrides the URL\'s)' },
      schema: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}$', default: 'actorgrid', description: 'a lower-case SQL identifier' },
      loadAllKeys: { type: 'string', enum: ['lazy', 'eager'], default: 'lazy', description: 'lazy: actor state loads on first access; eager: all keys load when a map is first used (collections are always eager)' },
      poolSize: integer(8, 1, 'database connections per member'),
      connectTimeoutMs: ms(2000, 'how long a member waits for a database connection before the call fails with UNAVAILABLE'),
    }),
  },
} as const;

/** The JSON schema of one configuration key (the subset this module reads). */
export interface KeySchema {
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  readonly default?: unknown;
  readonly description: string;
  readonly items?: { readonly type: string };
}

/** One configuration key: where it sits, its environment variable and its schema. */
export interface ConfigKey {
  /** The section, e.g. `grid`. */
  readonly section: keyof Config;
  /** The key in its section, e.g. `invocationTimeoutMs`. */
  readonly key: string;
  /** `section.key`, e.g. `grid.invocationTimeoutMs`. */
  readonly path: string;
  /** The environment variable, e.g. `ACTORGRID_GRID_INVOCATION_TIMEOUT_MS`. */
  readonly env: string;
  readonly schema: KeySchema;
}

/** The prefix of every configuration environment variable. */
export const ENV_PREFIX = 'ACTORGRID_';
/** The environment variable naming the config file (it is not a key). */
export const ENV_CONFIG_FILE = 'ACTORGRID_CONFIG';

/** `invocationTimeoutMs` -> `INVOCATION_TIMEOUT_MS`. */
export function screamingSnake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The environment variable of a key: `ACTORGRID_<SECTION>_<KEY>`. */
export function envVarName(section: string, key: string): string {
  return `${ENV_PREFIX}${screamingSnake(section)}_${screamingSnake(key)}`;
}

/** Every configuration key, in schema order. */
export function configKeys(): ConfigKey[] {
  const keys: ConfigKey[] = [];
  for (const [section, sectionSchema] of Object.entries(configSchema.properties)) {
    for (const [key, schema] of Object.entries(sectionSchema.properties)) {
      keys.push({
        section: section as keyof Config,
        key,
        path: `${section}.${key}`,
        env: envVarName(section, key),
        schema: schema as KeySchema,
      });
    }
  }
  return keys;
}

export type { NodeConfig, GridConfig, TurnConfig, IdempotencyConfig, LimitsConfig, HttpConfig, RegistryConfig, LogConfig, Config, PgConfig, SharedObjectsConfig, DataConfig, AuthConfig, TestingConfig, DestinationsConfig, RemindersConfig } from './Config';
