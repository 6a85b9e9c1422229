import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from '../../scripts/harness/projectRoot';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName } from '../support/waitFor';

const ROOT = projectRoot(__dirname);

/** Runs in a fresh process: only `actorgrid/client`, a call against a real node, then what got loaded. */
const SCRIPT = `
const { ActorGridClient } = require('actorgrid/client');
(async () => {
  const client = new ActorGridClient(process.env.NODE_URL, { requestTimeoutMs: 20000 });
  await client.connect();
  const value = await client.call('Counter', process.env.COUNTER_ID, 'increment', [5]);
  await client.close();
  console.log(JSON.stringify({ value, loaded: Object.keys(require.cache), reflect: typeof Reflect.getMetadata }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/**
 * The client entry `actorgrid/client` (package.json `exports`) pulls in no server code: a fresh Node
 * process that requires only it, without `reflect-metadata`, calls a real node, and has loaded no
 * tsyringe, fastify, hazelcast-client or reflect-metadata module.
 */
describe('the client entry actorgrid/client', function () {
  this.timeout(60_000);
  const group = new NodeGroup();
  let node: NodeProcess;
  after(() => group.stopAll());
  before(async function () {
    node = await group.start({ grid: 'memory' });
  });

  it('loads no server module and works without reflect-metadata', async function () {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), NODE_URL: node.url, COUNTER_ID: uniqueName('entry') };
    delete env.NODE_OPTIONS; // nothing preloaded: the script must stand on the entry alone
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', SCRIPT], { cwd: ROOT, env, timeout: 45_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { value: number; loaded: string[]; reflect: string };
    assert.equal(out.value, 5);
    assert.equal(out.reflect, 'undefined', 'reflect-metadata was not loaded');
    assert.ok(
      out.loaded.some((file) => file.endsWith('/dist/src/client/index.js')),
      'the entry resolved to dist/src/client',
    );
    const server = out.loaded.filter((file) => /[\\/]node_modules[\\/](tsyringe|fastify|@fastify[\\/][^\\/]+|hazelcast-client|reflect-metadata)[\\/]/.test(file));
    assert.deepEqual(server, [], 'server modules loaded by the client entry');
    const ours = out.loaded.filter((file) => file.includes('/dist/src/') && !file.includes('/dist/src/client/'));
    assert.ok(
      ours.every((file) => /\/dist\/src\/(errors|actor\/ActorRef|protocol\/(Codec|JsonCodec|MsgpackCodec|msgpackScan)|data\/recordOrder|grid\/Predicate)\b/.test(file)),
      `only the client's own modules and the shared errors, ref, codecs and record order: ${ours.join(', ')}`,
    );
  });
});
