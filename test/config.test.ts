import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/errors/ActorGridError';
import { configKeys, loadConfig, type Config, type DeepPartial, type LoadConfigOptions } from '../src/config';
import { findProjectRoot } from '../src/config/loadConfig';

/** Every default, typed as Config: the compiler checks it against the interface, the tests against the schema. */
const DEFAULTS: Omit<Config, 'node'> & { node: Omit<Config['node'], 'id'> } = {
  node: { host: '127.0.0.1', port: 8080, advertiseUrl: '', actors: 'dist/actors', drainTimeoutMs: 10000 },
  grid: {
    kind: 'memory',
    clusterName: 'actorgrid',
    members: ['127.0.0.1:5701'],
    connectTimeoutMs: 10000,
    invocationTimeoutMs: 30000,
  },
  turn: { lockWaitMs: 5000, leaseMs: 15000, maxBatch: 64, nestedLockWaitMs: 200, maxNestedRetries: 50, callTimeoutMs: 30000, holdMs: 20, maxStateBytes: 1048576, optimistic: true, cacheEntries: 10000 },
  idempotency: { maxEntries: 128, maxAgeMs: 86400000, maxResultBytes: 16384 },
  limits: { maxPayloadBytes: 1048576, maxArgs: 32, maxInFlight: 64, maxBatch: 1000, maxConnections: 10000, maxSubscriptionsPerConnection: 1000, maxBufferedBytes: 8388608, pingIntervalMs: 30000, maxSelectorLength: 1024, ratePerSecond: 0, maxDepth: 64 },
  http: { allowedOrigins: [], requestTimeoutMs: 30000, headersTimeoutMs: 10000 },
  registry: { heartbeatMs: 2000, ttlMs: 10000 },
  destinations: { names: [], retention: 10000, maxMessageBytes: 65536, maxBufferedBytes: 1048576 },
  sharedObjects: { names: [], retention: 10000, maxSlots: 1000, maxValueBytes: 65536, maxBufferedBytes: 1048576, repairCheckMs: 1000 },
  data: { retention: 10000, maxValueBytes: 65536, maxResults: 10000, maxBufferedBytes: 1048576, repairCheckMs: 1000 },
  auth: { enabled: false, jwtSecret: '', jwtPublicKeyFile: '', jwksFile: '', issuer: '', audience: '', rolesClaim: 'roles', apiKeys: [], rules: [], expiryGraceMs: 5000 },
  reminders: { pollMs: 500, claimMs: 30000, maxConcurrent: 64, maxTries: 5, backoffMs: 1000, maxBackoffMs: 60000, maxPerActor: 100, maxPayloadBytes: 65536, minPeriodMs: 1000 },
  testing: { failpoints: [] },
  log: { level: 'info', format: 'auto' },
  pg: { schema: 'actorgrid', loadAllKeys: 'lazy', poolSize: 8, connectTimeoutMs: 2000 },
};

/** The defaults with some keys changed, and the node id taken from `actual` (it is generated). */
function expected(actual: Config, changes: DeepPartial<Config> = {}): Config {
  const sections = Object.keys(DEFAULTS) as (keyof Config)[];
  const result = Object.fromEntries(
    sections.map((s) => [s, { ...DEFAULTS[s], ...(changes[s] as object | undefined) }]),
  ) as unknown as Config;
  return { ...result, node: { ...result.node, id: actual.node.id } };
}

/** The problems `loadConfig` throws, or a failed assertion if it does not throw. */
function problemsOf(options: LoadConfigOptions): readonly string[] {
  try {
    loadConfig(options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('loadConfig did not throw');
}

describe('config', () => {
  let dir: string;
  let empty: string;
  const writeJson = (name: string, data: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'actorgrid-config-'));
    empty = writeJson('empty.json', {});
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies every default and generates a node id', () => {
    const config = loadConfig({ file: empty, env: {} });
    assert.deepStrictEqual(config, expected(config));
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 96) || 'node';
    assert.match(config.node.id, new RegExp(`^${host.replace(/[.]/g, '\\.')}-${process.pid}-[0-9a-f]{6}$`));
    assert.notEqual(loadConfig({ file: empty, env: {} }).node.id, config.node.id);
  });

  it('returns a deeply frozen object: assignment throws', () => {
    const config = loadConfig({ file: empty, env: {} });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.grid) && Object.isFrozen(config.grid.members));
    assert.throws(() => {
      (config.node as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config as { log: unknown }).log = {};
    }, TypeError);
    assert.throws(() => (config.grid.members as string[]).push('127.0.0.1:5702'), TypeError);
    assert.equal(config.node.port, 8080);
  });

  it('does not freeze the caller’s overrides', () => {
    const members = ['10.0.0.1:5701'];
    const config = loadConfig({ file: empty, env: {}, overrides: { grid: { kind: 'hazelcast', members } } });
    assert.deepStrictEqual(config.grid.members, ['10.0.0.1:5701']);
    assert.ok(!Object.isFrozen(members));
  });

  it('layers file < environment < overrides', () => {
    const file = writeJson('layers.json', {
      node: { port: 1111, host: '0.0.0.0' },
      grid: { kind: 'hazelcast' },
      registry: { ttlMs: 20000 },
      log: { level: 'warn' },
    });
    const config = loadConfig({
      file,
      env: { ACTORGRID_NODE_PORT: '2222', ACTORGRID_LOG_LEVEL: 'error', PATH: '/usr/bin' },
      overrides: { node: { port: 3333, actors: undefined } },
    });
    assert.deepStrictEqual(
      config,
      expected(config, {
        node: { port: 3333, host: '0.0.0.0' },
        grid: { kind: 'hazelcast' },
        registry: { ttlMs: 20000 },
        log: { level: 'error' },
      }),
    );
  });

  it('takes the file from ACTORGRID_CONFIG, and the file option over it', () => {
    const a = writeJson('a.json', { turn: { maxBatch: 7 } });
    const b = writeJson('b.json', { turn: { maxBatch: 9 } });
    assert.equal(loadConfig({ env: { ACTORGRID_CONFIG: a } }).turn.maxBatch, 7);
    assert.equal(loadConfig({ file: b, env: { ACTORGRID_CONFIG: a } }).turn.maxBatch, 9);
  });

  it('reads config/default.json from the project root when no file is named', () => {
    const root = findProjectRoot();
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name, 'actorgrid');
    const file = JSON.parse(readFileSync(join(root, 'config', 'default.json'), 'utf8')) as DeepPartial<Config>;
    const config = loadConfig({ env: {} });
    assert.deepStrictEqual(config, expected(config, file));
  });

  it('coerces environment strings by the schema type: numbers and comma lists', () => {
    const config = loadConfig({
      file: empty,
      env: {
        ACTORGRID_NODE_PORT: '0',
        ACTORGRID_TURN_LEASE_MS: '20000',
        ACTORGRID_GRID_KIND: 'hazelcast',
        ACTORGRID_GRID_MEMBERS: '127.0.0.1:5701, 127.0.0.1:5702,[::1]:5703',
        ACTORGRID_NODE_ID: 'node-a',
      },
    });
    assert.strictEqual(config.node.port, 0);
    assert.strictEqual(config.turn.leaseMs, 20000);
    assert.strictEqual(config.node.id, 'node-a');
    assert.deepStrictEqual(config.grid.members, ['127.0.0.1:5701', '127.0.0.1:5702', '[::1]:5703']);
  });

  it('lists every problem at once, each with its path and source', () => {
    const file = writeJson('bad.json', { grid: { kidn: 'memory' }, node: { port: '80' } });
    const problems = problemsOf({
      file,
      env: {
        ACTORGRID_GRID_KIND: 'hazlecast',
        ACTORGRID_TURN_LEASE_MZ: '1',
        ACTORGRID_REGISTRY_HEARTBEAT_MS: '6000',
      },
      overrides: { turn: { maxBatch: 0 } },
    });
    assert.deepStrictEqual(problems, [
      'ACTORGRID_TURN_LEASE_MZ (environment): names no config key; the turn keys are ' +
        'ACTORGRID_TURN_LOCK_WAIT_MS, ACTORGRID_TURN_LEASE_MS, ACTORGRID_TURN_MAX_BATCH, ACTORGRID_TURN_NESTED_LOCK_WAIT_MS, ACTORGRID_TURN_MAX_NESTED_RETRIES, ACTORGRID_TURN_CALL_TIMEOUT_MS, ACTORGRID_TURN_HOLD_MS, ACTORGRID_TURN_MAX_STATE_BYTES, ACTORGRID_TURN_OPTIMISTIC, ACTORGRID_TURN_CACHE_ENTRIES',
      `node.port (from ${file}): must be an integer; got "80"`,
      `grid.kidn (from ${file}): unknown key; the grid keys are kind, clusterName, members, connectTimeoutMs, invocationTimeoutMs`,
      'grid.kind (from ACTORGRID_GRID_KIND): must be one of memory, hazelcast; got "hazlecast"',
      'turn.maxBatch (from overrides): must be >= 1; got 0',
      'registry.ttlMs (default): must be at least twice registry.heartbeatMs (6000, from ACTORGRID_REGISTRY_HEARTBEAT_MS), ' +
        'so that one late heartbeat does not drop a live node; got 10000',
    ]);
  });

  it('reports an unknown ACTORGRID_ variable, even alone', () => {
    assert.deepStrictEqual(problemsOf({ file: empty, env: { ACTORGRID_NODE_PROT: '80' } }), [
      'ACTORGRID_NODE_PROT (environment): names no config key; the node keys are ' +
        'ACTORGRID_NODE_ID, ACTORGRID_NODE_HOST, ACTORGRID_NODE_PORT, ACTORGRID_NODE_ADVERTISE_URL, ACTORGRID_NODE_ACTORS, ACTORGRID_NODE_DRAIN_TIMEOUT_MS',
    ]);
    assert.deepStrictEqual(problemsOf({ file: empty, env: { ACTORGRID_PORT: '80' } }), [
      'ACTORGRID_PORT (environment): names no config section; they are ACTORGRID_NODE_*, ACTORGRID_GRID_*, ' +
        'ACTORGRID_TURN_*, ACTORGRID_IDEMPOTENCY_*, ACTORGRID_LIMITS_*, ACTORGRID_HTTP_*, ACTORGRID_REGISTRY_*, ACTORGRID_DESTINATIONS_*, ACTORGRID_SHARED_OBJECTS_*, ACTORGRID_DATA_*, ACTORGRID_AUTH_*, ACTORGRID_REMINDERS_*, ACTORGRID_TESTING_*, ACTORGRID_LOG_*, ACTORGRID_PG_* ' +
        '(and ACTORGRID_CONFIG for the file)',
    ]);
  });

  it('reports environment values that do not parse as the key’s type', () => {
    assert.deepStrictEqual(
      problemsOf({ file: empty, env: { ACTORGRID_NODE_PORT: '80a', ACTORGRID_TURN_LOCK_WAIT_MS: '1.5', ACTORGRID_GRID_KIND: 'hazelcast', ACTORGRID_GRID_MEMBERS: '' } }),
      [
        'node.port (from ACTORGRID_NODE_PORT): must be an integer; got "80a"',
        'grid.members (from ACTORGRID_GRID_MEMBERS): must list at least 1 item; got []',
        'turn.lockWaitMs (from ACTORGRID_TURN_LOCK_WAIT_MS): must be an integer; got 1.5',
      ],
    );
  });

  it('checks ranges and member addresses', () => {
    const problems = problemsOf({
      file: empty,
      env: {},
      overrides: {
        node: { port: 70000, id: '' },
        grid: { kind: 'hazelcast', members: ['127.0.0.1:5701', 'localhost', '127.0.0.1:5701', 'h:0'] },
        turn: { leaseMs: 0, lockWaitMs: -1 },
        limits: { maxArgs: 0 },
      },
    });
    assert.deepStrictEqual(problems, [
      'node.id (from overrides): must be a node id of letters, digits, ".", "_" and "-" (at most 128 characters); got ""',
      'node.port (from overrides): must be <= 65535; got 70000',
      'grid.members[1] (from overrides): must be a "host:port" address such as 127.0.0.1:5701; got "localhost"',
      'grid.members[3] (from overrides): must be a "host:port" address such as 127.0.0.1:5701; got "h:0"',
      'grid.members (from overrides): must not list "127.0.0.1:5701" twice',
      'turn.lockWaitMs (from overrides): must be >= 0; got -1',
      'turn.leaseMs (from overrides): must be >= 1; got 0',
    ]);
  });

  it('reports hazelcast settings left on the default memory grid, unless memory is chosen', () => {
    assert.deepStrictEqual(problemsOf({ file: empty, env: { ACTORGRID_GRID_MEMBERS: '10.0.0.1:5701' } }), [
      'grid.kind (default): is "memory", but grid.members (from ACTORGRID_GRID_MEMBERS) is set, which only a hazelcast grid uses; ' +
        'set grid.kind to "hazelcast" (or to "memory" explicitly)',
    ]);
    const config = loadConfig({ file: empty, env: { ACTORGRID_GRID_MEMBERS: '10.0.0.1:5701', ACTORGRID_GRID_KIND: 'memory' } });
    assert.equal(config.grid.kind, 'memory');
  });

  it('reports a missing explicit file, and one named by ACTORGRID_CONFIG', () => {
    const missing = join(dir, 'missing.json');
    assert.deepStrictEqual(problemsOf({ file: missing, env: {} }), [
      `config file ${missing} (from the file option): cannot be read: it does not exist`,
    ]);
    assert.deepStrictEqual(problemsOf({ env: { ACTORGRID_CONFIG: missing, ACTORGRID_LOG_LEVEL: 'loud' } }), [
      `config file ${missing} (from ACTORGRID_CONFIG): cannot be read: it does not exist`,
      'log.level (from ACTORGRID_LOG_LEVEL): must be one of debug, info, warn, error, silent; got "loud"',
    ]);
  });

  it('reports a file that is not JSON, or not an object', () => {
    const broken = writeJson('broken.json', '{ "node": ');
    const [problem] = problemsOf({ file: broken, env: {} });
    assert.match(problem, new RegExp(`^config file ${broken.replace(/[.]/g, '\\.')} \\(from the file option\\): is not valid JSON: `));
    const list = writeJson('list.json', [1]);
    assert.deepStrictEqual(problemsOf({ file: list, env: {} }), [
      `config file ${list} (from the file option): must hold a JSON object; got [1]`,
    ]);
  });

  it('rejects unknown sections, including __proto__, without touching prototypes', () => {
    const file = writeJson('proto.json', '{ "__proto__": { "polluted": true }, "nodes": {} }');
    assert.deepStrictEqual(problemsOf({ file, env: {} }), [
      `__proto__ (from ${file}): unknown section; the sections are node, grid, turn, idempotency, limits, http, registry, destinations, sharedObjects, data, auth, reminders, testing, log, pg`,
      `nodes (from ${file}): unknown section; the sections are node, grid, turn, idempotency, limits, http, registry, destinations, sharedObjects, data, auth, reminders, testing, log, pg`,
    ]);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  it('documents every key in docs/config.md with its default and environment variable', () => {
    const doc = readFileSync(join(findProjectRoot(), 'docs', 'config.md'), 'utf8').split('\n');
    for (const key of configKeys()) {
      const row = doc.find((line) => line.startsWith(`| \`${key.path}\` |`));
      assert.ok(row, `docs/config.md has no row for ${key.path}`);
      assert.ok(row.includes(`\`${key.env}\``), `the ${key.path} row names ${key.env}`);
      if ('default' in key.schema) {
        assert.ok(row.includes(`\`${JSON.stringify(key.schema.default)}\``), `the ${key.path} row shows its default`);
      }
    }
  });
});
