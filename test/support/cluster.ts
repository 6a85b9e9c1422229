import { HazelcastHarness } from '../../scripts/harness/HazelcastHarness';
import { PgTestSchema } from './PgTestSchema';

// The one cluster of a test run, started and stopped by the root hooks in test/hooks.ts.
let shared: HazelcastHarness | undefined;
let sharedSchema: PgTestSchema | undefined;

/**
 * The 2-member Hazelcast cluster shared by every test file of this run: use its `clusterName`
 * and `addresses()` to connect; `killMember`/`restartMember` for failure tests (then
 * `waitForClusterSafe()` before the next test relies on backups again).
 *
 * @throws Error if the root hooks did not start it (run mocha with the project's .mocharc.json).
 */
export function sharedCluster(): HazelcastHarness {
  if (!shared) {
    throw new Error('no shared Hazelcast cluster: run mocha with .mocharc.json, which requires dist/test/hooks.js');
  }
  return shared;
}

/**
 * Starts the shared cluster (root `beforeAll`). Set ACTORGRID_HARNESS_LOG=1 to see progress, and
 * ACTORGRID_TEST_PERSISTENCE=write-through (or write-behind) to run the whole suite on members that
 * persist to PostgreSQL (docs/persistence.md), in a schema of the run's own.
 */
export async function startSharedCluster(): Promise<HazelcastHarness> {
  if (shared) throw new Error('the shared Hazelcast cluster is already started');
  const mode = process.env.ACTORGRID_TEST_PERSISTENCE || undefined;
  if (mode !== undefined && mode !== 'write-through' && mode !== 'write-behind') {
    throw new Error(`ACTORGRID_TEST_PERSISTENCE must be write-through or write-behind, got "${mode}"`);
  }
  if (mode) sharedSchema = await PgTestSchema.create('suite');
  const harness = new HazelcastHarness({
    members: 2,
    log: process.env.ACTORGRID_HARNESS_LOG ? (line) => console.error(`[hazelcast] ${line}`) : undefined,
    ...(mode && sharedSchema ? { persistence: { mode, url: sharedSchema.url, schema: sharedSchema.schema } } : {}),
  });
  await harness.start();
  shared = harness;
  return harness;
}

/** Stops the shared cluster (root `afterAll`). */
export async function stopSharedCluster(): Promise<void> {
  const harness = shared;
  shared = undefined;
  await harness?.stop();
  const schema = sharedSchema;
  sharedSchema = undefined;
  await schema?.drop();
}
