import { strict as assert } from 'node:assert';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig, type Config, type DeepPartial } from '../../src/config';
import { Logger } from '../../src/runtime/Logger';
import { Hidden, Ledger, Note, Vault } from '../fixtures/authActors';
import { codeOf } from '../support/codeOf';
import { RawWsClient } from '../support/RawWsClient';
import { SseReader } from '../support/sse';
import { waitFor } from '../support/waitFor';

const SECRET = 'test-secret-of-at-least-32-bytes-long!!';
const API_KEY = 'k-0123456789abcdef';

/**
 * Auth on a real node (memory grid): every transport (REST route, POST /rpc, WebSocket, SSE) goes
 * through the dispatcher's guard; what declares nothing is denied; nested calls are checked against
 * the original principal; a WebSocket's expired token is announced and the socket closed (4401).
 */
describe('auth: authentication and authorization on every entry point', function () {
  this.timeout(60_000);
  const nodes: ActorGridNode[] = [];
  const clients: ActorGridClient[] = [];
  const logs: string[] = [];
  let node: ActorGridNode;
  let dir: string;
  let privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'];

  const hs = (sub: string, roles: string[], expiresIn = '1h') =>
    new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(SECRET));

  async function start(auth: DeepPartial<Config['auth']>): Promise<ActorGridNode> {
    const config = loadConfig({
      env: {},
      overrides: { node: { port: 0 }, log: { level: 'silent' }, destinations: { names: ['news'] }, auth: { enabled: true, ...auth } as never },
    });
    const logger = new Logger('info', 'auth-test', (line) => logs.push(line));
    const started = await ActorGridNode.start({ config, actors: [Vault, Ledger, Hidden, Note], logger });
    nodes.push(started);
    return started;
  }

  async function http(path: string, init: { method?: string; body?: unknown; auth?: string } = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`${node.url}${path}`, {
      method: init.method ?? 'POST',
      headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.auth ? { authorization: init.auth } : {}) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'actorgrid-auth-'));
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    writeFileSync(join(dir, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    node = await start({
      jwtSecret: SECRET,
      jwtPublicKeyFile: join(dir, 'public.pem'),
      apiKeys: [`batch-job:${createHash('sha256').update(API_KEY).digest('hex')}:teller`],
      rules: ['destination news subscribe public', 'destination news publish editor', 'collection notes read public'],
      expiryGraceMs: 1500,
    });
  });

  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('says at start, in one line, what is open and what declares nothing', function () {
    const line = logs.find((l) => l.includes('auth on:'));
    assert.ok(line, logs.join('\n'));
    assert.match(line, /open without credentials: actor Vault, collection notes, destination news;/);
    assert.match(line, /denied to everyone: actor Hidden/);
  });

  it('over HTTP: 401 without or with bad credentials, 403 without the role, the call with it', async function () {
    const teller = `Bearer ${await hs('ann', ['teller'])}`;
    assert.equal((await http('/actors/Vault/v1/deposit', { body: [5] })).status, 401);
    assert.equal((await http('/actors/Vault/v1/deposit', { body: [5], auth: 'Bearer not.a.token' })).body.error.code, 'UNAUTHORIZED');
    assert.equal((await http('/actors/Vault/v1/deposit', { body: [5], auth: `Bearer ${await hs('ann', ['teller'], '-10s')}` })).status, 401, 'expired');
    const other = await http('/actors/Vault/v1/deposit', { body: [5], auth: `Bearer ${await hs('bob', ['clerk'])}` });
    assert.deepEqual([other.status, other.body.error.code], [403, 'FORBIDDEN']);
    assert.deepEqual((await http('/actors/Vault/v1/deposit', { body: [5], auth: teller })).body, { result: 5 });
    assert.deepEqual((await http('/actors/Vault/v1/rates')).body, { result: 3 }, 'a public method needs no credentials');
    assert.deepEqual((await http('/actors/Vault/v1/whoami', { auth: teller })).body, { result: { subject: 'ann', roles: ['teller'] } }, 'the actor sees the principal');
    assert.equal((await http('/actors/Hidden/h/peek', { auth: teller })).status, 403, 'undeclared: denied');
    assert.equal((await http('/actors/Hidden/h/peek')).status, 401);
    assert.equal((await http('/actors/Vault/v1/close', { auth: teller })).status, 403, 'a predicate decides for its method');
    assert.deepEqual((await http('/actors/Vault/v1/close', { auth: `Bearer ${await hs('boss', [])}` })).body, { result: 'closed' });
    // nothing changed by the refused calls
    assert.deepEqual((await http('/actors/Vault/v1/deposit', { body: [0], auth: teller })).body, { result: 5 });
  });

  it('accepts RS256 tokens from the public key file and hashed API keys; POST /rpc goes through the same gate', async function () {
    const rs = await new SignJWT({ roles: ['teller'] }).setProtectedHeader({ alg: 'RS256' }).setSubject('rsa-user').setExpirationTime('1h').sign(privateKey);
    assert.deepEqual((await http('/actors/Vault/v2/deposit', { body: [2], auth: `Bearer ${rs}` })).body, { result: 2 });
    assert.deepEqual((await http('/actors/Vault/v2/whoami', { auth: `ApiKey ${API_KEY}` })).body, { result: { subject: 'batch-job', roles: ['teller'] } });
    assert.equal((await http('/actors/Vault/v2/whoami', { auth: 'ApiKey wrong' })).status, 401);
    const rpc = await http('/rpc', { body: { jsonrpc: '2.0', id: 1, method: 'actor.call', params: { type: 'Vault', id: 'v2', method: 'deposit', args: [1] } } });
    assert.equal(rpc.body.error.data.code, 'UNAUTHORIZED');
  });

  it('checks nested calls against the original principal', async function () {
    const teller = `Bearer ${await hs('ann', ['teller'])}`;
    const refused = await http('/actors/Vault/v3/audit', { auth: teller });
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'FORBIDDEN'], 'the ledger wants an auditor');
    assert.deepEqual((await http('/actors/Vault/v3/audit', { auth: `Bearer ${await hs('eve', ['teller', 'auditor'])}` })).body, { result: 1 });
  });

  it('applies config rules to destinations and collections, over HTTP and SSE', async function () {
    const editor = `Bearer ${await hs('ed', ['editor'])}`;
    assert.equal((await http('/destinations/news/messages', { body: { body: 'x' } })).status, 401);
    assert.equal((await http('/destinations/news/messages', { body: { body: 'x' }, auth: `Bearer ${await hs('ann', ['teller'])}` })).status, 403);
    const events = new SseReader(`${node.url}/destinations/news/events`);
    await events.opened;
    assert.equal((await http('/destinations/news/messages', { body: { body: 'hello' }, auth: editor })).status, 200);
    await events.until((e) => e.some((x) => x.event === 'message'));
    events.close();
    const writer = `Bearer ${await hs('wes', ['writer'])}`;
    assert.equal((await http('/data/notes', { body: { id: 'n1', value: { text: 'a' } } })).status, 401);
    assert.equal((await http('/data/notes', { body: { id: 'n1', value: { text: 'a' } }, auth: writer })).status, 201);
    assert.equal((await http('/data/notes/n1', { method: 'GET' })).body.value.text, 'a', 'reads are public by rule');
    const watch = new SseReader(`${node.url}/data/notes/events?access_token=${await hs('rita', [])}`);
    await watch.until((e) => e.some((x) => x.event === 'snapshot'));
    watch.close();
    const denied = await fetch(`${node.url}/data/notes/events?access_token=garbage`);
    assert.equal(denied.status, 401, 'a bad access_token is refused');
  });

  it('over the WebSocket: refuses a bad upgrade, asks for auth.login, and closes an expired session with 4401', async function () {
    const ws = node.url.replace(/^http/, 'ws') + '/ws';
    const refusedStatus = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(ws, { headers: { authorization: 'Bearer nope' } });
      socket.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        socket.terminate();
      });
      socket.on('open', () => reject(new Error('the upgrade was accepted')));
      socket.on('error', () => undefined);
    });
    assert.equal(refusedStatus, 401);

    const anonymous = new ActorGridClient(ws, { reconnect: false });
    clients.push(anonymous);
    await anonymous.connect();
    assert.equal(await codeOf(anonymous.call('Vault', 'w', 'deposit', [1])), 'UNAUTHORIZED');
    assert.equal(await anonymous.call('Vault', 'w', 'rates'), 3);
    const login = await anonymous.rpc<{ principal: { subject: string } }>('auth.login', { token: await hs('ann', ['teller']) });
    assert.equal(login.principal.subject, 'ann');
    assert.equal(await anonymous.call('Vault', 'w', 'deposit', [1]), 1);

    const headerClient = new ActorGridClient(ws, { reconnect: false, headers: { authorization: `Bearer ${await hs('ann', ['teller'])}` } });
    clients.push(headerClient);
    await headerClient.connect();
    assert.equal(await headerClient.call('Vault', 'w', 'deposit', [1]), 2);

    const raw = await RawWsClient.connect(ws);
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'auth.login', params: { token: await hs('short', ['teller'], '2s') } }));
    const frames: string[] = [];
    const expired = (async () => {
      for (;;) {
        const frame = await raw.next(20_000);
        frames.push(String(frame.data));
        if (String(frame.data).includes('auth.expired')) return;
      }
    })();
    await expired;
    const closed = await raw.closed;
    assert.equal(closed.code, 4401, frames.join('\n'));
  });

  it('refuses to start with auth on and nothing to verify credentials with', function () {
    assert.throws(() => loadConfig({ env: {}, overrides: { auth: { enabled: true } } }), /auth\.enabled.*none of auth\.jwtSecret/);
  });

  it('lets a client renew its token with auth.login within the grace period', async function () {
    const ws = node.url.replace(/^http/, 'ws') + '/ws';
    const client = new ActorGridClient(ws, { reconnect: false });
    clients.push(client);
    const told: string[] = [];
    client.onNotification((n) => told.push(n.method));
    await client.connect();
    await client.rpc('auth.login', { token: await hs('ann', ['teller'], '1s') });
    await waitFor('auth.expired', () => told.includes('auth.expired'), 10_000);
    assert.equal(await codeOf(client.call('Vault', 'r', 'deposit', [1])), 'UNAUTHORIZED');
    await client.rpc('auth.login', { token: await hs('ann', ['teller']) });
    assert.equal(await client.call('Vault', 'r', 'deposit', [1]), 1);
    assert.equal(client.state, 'open');
  });
});
