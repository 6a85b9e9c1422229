import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fastify, { type FastifyInstance } from 'fastify';
import { chooseConnector } from '../../src/client/platform.browser';
import { Dispatcher } from '../../src/protocol';
import { httpServerOptions, httpTransport } from '../../src/transport/http';
import { CLIENT_BUNDLE_ROUTE, clientBundleRoute } from '../../src/transport/http/clientBundleRoute';
import { BROWSER_BUNDLE, BROWSER_BUNDLE_GZIP_BUDGET_BYTES } from '../../scripts/buildBrowserClient';
import { projectRoot } from '../../scripts/harness/projectRoot';

const ROOT = projectRoot(__dirname);
const BUNDLE = path.join(ROOT, BROWSER_BUNDLE);

function readBundle(): string {
  assert.ok(fs.existsSync(BUNDLE), `${BROWSER_BUNDLE} is missing: npm run build makes it`);
  return fs.readFileSync(BUNDLE, 'utf8');
}

/** The names of the bundle's `export{a as B,…}` clause. */
function exportedNames(code: string): string[] {
  const clause = /export\s*\{([^}]*)\}\s*;?\s*$/.exec(code);
  assert.ok(clause, 'the bundle ends with one export clause');
  return clause[1].split(',').map((entry) => entry.trim().split(/\s+as\s+/).pop()!);
}

/**
 * The browser build of the client (scripts/buildBrowserClient.ts): one self-contained ESM file
 * with no Node built-in, within its size budget, with types; and the node's route that serves it.
 */
describe('the browser client bundle', function () {
  it('is one ESM file that imports nothing: no require(, no node: module, no other file', function () {
    const code = readBundle();
    assert.doesNotMatch(code, /\brequire\s*\(/, 'no CommonJS require');
    assert.doesNotMatch(code, /["']node:/, 'no node: module');
    assert.doesNotMatch(code, /(^|[;}\s])import\s*[{*"'(]/, 'no import of another file: everything is bundled');
    assert.doesNotMatch(code, /\bprocess\.emitWarning\b/, 'the Node platform file was swapped for the browser one');
  });

  it('exports the clients, the failover helpers and the error classes', function () {
    const names = exportedNames(readBundle());
    for (const name of [
      'ActorGridClient',
      'HttpActorClient',
      'Destination',
      'DestinationSubscription',
      'Collection',
      'LiveQuery',
      'SharedObjectClient',
      'SharedObjectReplica',
      'ActorGridError',
      'ConnectionClosedError',
      'RequestTimeoutError',
      'TransportError',
      'webSocketUrl',
    ]) {
      assert.ok(names.includes(name), `exports ${name} (exports: ${names.join(', ')})`);
    }
  });

  it(`stays within its size budget (${BROWSER_BUNDLE_GZIP_BUDGET_BYTES / 1024} KiB minified + gzip), as docs/client.md states`, function () {
    const gzipBytes = gzipSync(readBundle(), { level: 9 }).length;
    assert.ok(gzipBytes <= BROWSER_BUNDLE_GZIP_BUDGET_BYTES, `${gzipBytes} bytes gzipped; the budget is ${BROWSER_BUNDLE_GZIP_BUDGET_BYTES}`);
    const docs = fs.readFileSync(path.join(ROOT, 'docs/client.md'), 'utf8');
    assert.ok(docs.includes(`≤ ${BROWSER_BUNDLE_GZIP_BUDGET_BYTES / 1024} KiB`), 'docs/client.md states the budget');
  });

  it("ships types: a .d.mts beside it that reuses tsc's declarations of src/client", function () {
    const types = fs.readFileSync(BUNDLE.replace(/\.mjs$/, '.d.mts'), 'utf8');
    const target = /from '([^']+)'/.exec(types)?.[1];
    assert.ok(target, types);
    const declarations = fs.readFileSync(path.resolve(path.dirname(BUNDLE), target.replace(/\.js$/, '.d.ts')), 'utf8');
    assert.match(declarations, /export \* from '\.\/index'/);
  });
});

describe("the browser's platform file", function () {
  it('connects with the global WebSocket, and says what to do when there is none', function () {
    const global = globalThis as { WebSocket?: unknown };
    const had = Object.getOwnPropertyDescriptor(global, 'WebSocket');
    delete global.WebSocket;
    try {
      assert.throws(() => chooseConnector(undefined), /no WebSocket; pass one as options.WebSocket/);
      const opened: string[] = [];
      class Fake {
        binaryType = 'blob';
        readyState = 0;
        constructor(url: string) {
          opened.push(url);
        }
        send(): void {}
        close(): void {}
        addEventListener(): void {}
      }
      global.WebSocket = Fake;
      const socket = chooseConnector(undefined)('ws://n/ws', { headers: undefined, connectTimeoutMs: 1000 }, { open() {}, message() {}, close() {} });
      socket.terminate();
      assert.deepEqual(opened, ['ws://n/ws']);
    } finally {
      delete global.WebSocket;
      if (had) Object.defineProperty(global, 'WebSocket', had);
    }
  });
});

describe(`GET ${CLIENT_BUNDLE_ROUTE}`, function () {
  let app: FastifyInstance;
  const build = async (file?: string): Promise<FastifyInstance> => {
    const server = fastify({ logger: false, ...httpServerOptions({ maxPayloadBytes: 1024 }) });
    const status = { ready: () => true, cluster: async () => ({}) };
    await server.register(httpTransport, { dispatcher: new Dispatcher(), limits: { maxPayloadBytes: 1024 }, status });
    await server.register(clientBundleRoute, file === undefined ? {} : { file });
    await server.ready();
    return server;
  };
  afterEach(async () => app?.close());

  it('serves the bundle as JavaScript, revalidated by ETag, gzipped when accepted, to any origin', async function () {
    const code = readBundle();
    app = await build();
    const plain = await app.inject({ method: 'GET', url: CLIENT_BUNDLE_ROUTE });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'no-cache');
    assert.equal(plain.headers['access-control-allow-origin'], '*');
    assert.equal(plain.body, code);
    const etag = String(plain.headers.etag);
    assert.match(etag, /^W\/"[\w-]+"$/);

    const again = await app.inject({ method: 'GET', url: CLIENT_BUNDLE_ROUTE, headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');

    const zipped = await app.inject({ method: 'GET', url: CLIENT_BUNDLE_ROUTE, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(zipped.statusCode, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.etag, etag);
    assert.equal(gunzipSync(zipped.rawPayload).toString('utf8'), code);
  });

  it('answers NOT_FOUND in the protocol shape when the node was built without the bundle', async function () {
    app = await build(path.join(os.tmpdir(), `no-such-bundle-${process.pid}.mjs`));
    const res = await app.inject({ method: 'GET', url: CLIENT_BUNDLE_ROUTE });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });
});
