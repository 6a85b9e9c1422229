import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ActorGridClient } from '../../src/client';
import { CLIENT_BUNDLE_ROUTE } from '../../src/transport/http/clientBundleRoute';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';

/** Debian's Chromium; CI installs it (.ci/run). Never skipped: a missing browser fails the test. */
const CHROMIUM = process.env.ACTORGRID_CHROMIUM ?? '/usr/bin/chromium';
const INCREMENTS = 60;
const LANES = 4;

/** What the page reports (window.h.snapshot()). */
interface PageSnapshot {
  state: string;
  url: string;
  states: Array<[string, string]>;
  results: number[];
  errors: string[];
  running: number;
  messages: number[];
  records: Array<{ id: string; version: number }>;
}

/**
 * The page's module script: imports the bundle from a node (cross-origin, as an app served from its
 * own origin would), connects with both node URLs over msgpack, subscribes to a chat room and
 * watches the `tasks` of one owner, and runs increments of one counter on demand.
 */
function pageScript(config: { bundle: string; urls: string[]; room: string; owner: string; counter: string }): string {
  return `
import { ActorGridClient } from ${JSON.stringify(config.bundle)};
const c = ${JSON.stringify(config)};
const h = { states: [], results: [], errors: [], messages: [], running: 0 };
window.h = h;
h.ready = (async () => {
  const client = new ActorGridClient(c.urls, { encoding: 'msgpack', discover: false, requestTimeoutMs: 60000, reconnectDelayMs: 50 });
  h.client = client;
  client.onStateChange(({ state, url }) => h.states.push([state, url]));
  await client.connect();
  await client.destination('chat').subscribe((m) => h.messages.push(m.body), { subtopic: c.room });
  h.live = await client.collection('tasks').watch({ where: "owner = '" + c.owner + "'" });
  return client.url;
})();
h.increment = (total, lanes) => {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      try {
        h.results.push(await h.client.call('Counter', c.counter, 'increment', [1]));
      } catch (err) {
        h.errors.push(err.name + ' ' + err.code + ': ' + err.message);
      }
    }
    h.running--;
  };
  h.running = lanes;
  for (let i = 0; i < lanes; i++) lane();
};
h.snapshot = () => ({
  state: h.client.state, url: h.client.url, states: h.states, results: h.results, errors: h.errors, running: h.running,
  messages: h.messages, records: h.live.records.map((r) => ({ id: r.id, version: r.version })),
});
`;
}

/**
 * The browser bundle in a real browser (headless Chromium driven by playwright-core): a page loads
 * /client/actorgrid-client.mjs from a node and connects with two node URLs; the node it is on is
 * SIGKILLed while it runs calls, a destination subscription and a live query. The page's client
 * moves to the other node, every call is applied exactly once, and the subscription and the live
 * query get what was written after the kill.
 */
describe('the browser client in Chromium: failover when its node is SIGKILLed (2 nodes on Hazelcast)', function () {
  this.timeout(180_000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  const pageErrors: string[] = [];
  let browser: Browser | undefined;
  let site: Server | undefined;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (or set ACTORGRID_CHROMIUM); the browser test does not skip`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // The application's own origin, serving an empty page.
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title>'));
    site.listen(0, '127.0.0.1');
    await once(site, 'listening');
  });

  after(async function () {
    await Promise.allSettled(clients.map((c) => c.close()));
    await browser?.close();
    if (site) await new Promise<void>((resolve) => site!.close(() => resolve()));
    await group.stopAll();
  });

  it('moves to the other node; calls exactly once; the subscription and the live query get what came after the kill', async function () {
    const cluster = sharedCluster();
    const nodes: NodeProcess[] = await group.startMany(2, {
      grid: { clusterName: cluster.clusterName, members: cluster.addresses() },
      env: {
        ACTORGRID_TURN_LEASE_MS: '4000', // a lock the dead node held frees sooner
        // The page is on another origin: without this the nodes refuse its WebSocket (docs/security.md "Hardening").
        ACTORGRID_HTTP_ALLOWED_ORIGINS: `http://127.0.0.1:${(site!.address() as AddressInfo).port}`,
      },
    });
    const room = `rooms.${uniqueName('browser').replace(/-/g, '')}`;
    const owner = uniqueName('browser-owner');
    const counter = uniqueName('browser-counter');

    const page: Page = await browser!.newPage();
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(`console.${message.type()}: ${message.text()}`);
    });
    await page.goto(`http://127.0.0.1:${(site!.address() as AddressInfo).port}/`);
    const bundle = `${nodes[0].url}${CLIENT_BUNDLE_ROUTE}`;
    await page.addScriptTag({ type: 'module', content: pageScript({ bundle, urls: nodes.map((n) => n.url), room, owner, counter }) });
    await waitFor(`the page's harness (page errors: ${pageErrors.join('; ')})`, () => page.evaluate('Boolean(window.h && window.h.ready)'), 30_000);
    const firstUrl = (await page.evaluate('window.h.ready')) as string;
    const snapshot = () => page.evaluate('window.h.snapshot()') as Promise<PageSnapshot>;
    const victim = nodes.find((n) => new URL(n.url).port === new URL(firstUrl).port)!;
    const survivor = nodes.find((n) => n !== victim)!;

    // The writer only knows the survivor, so its writes never fall into the kill.
    const writer = new ActorGridClient(survivor.url, { discover: false });
    clients.push(writer);
    await writer.connect();
    const tasks = writer.collection('tasks');
    const publish = (body: number) => writer.rpc('destination.publish', { destination: 'chat', subtopic: room, body });

    for (let i = 0; i < 5; i++) await publish(i);
    await tasks.create({ title: 'before 1', status: 'open', owner, priority: 1 }, `${owner}-1`);
    await tasks.create({ title: 'before 2', status: 'open', owner, priority: 2 }, `${owner}-2`);
    await waitFor('the page to see what came before the kill', async () => {
      const s = await snapshot();
      return s.messages.length === 5 && s.records.length === 2;
    });

    await page.evaluate(`window.h.increment(${INCREMENTS}, ${LANES})`);
    await waitFor('a quarter of the increments', async () => (await snapshot()).results.length >= INCREMENTS / 4, 30_000);
    const atKill = (await snapshot()).results.length;
    await victim.kill();

    for (let i = 5; i < 10; i++) await publish(i);
    await tasks.create({ title: 'after 3', status: 'open', owner, priority: 3 }, `${owner}-3`);
    await tasks.update(`${owner}-1`, { status: 'done' });
    await tasks.update(`${owner}-2`, { owner: `${owner}-elsewhere` }); // leaves the query

    const finalQuery = await tasks.query({ where: `owner = '${owner}'` });
    const expectedRecords = finalQuery.records.map((r) => ({ id: r.id, version: r.version })).sort((a, b) => (a.id < b.id ? -1 : 1));
    const done = (await waitFor(
      'the page to finish its calls and catch up after the kill',
      async () => {
        const s = await snapshot();
        const records = [...s.records].sort((a, b) => (a.id < b.id ? -1 : 1));
        return s.running === 0 && s.messages.length >= 10 && JSON.stringify(records) === JSON.stringify(expectedRecords) ? s : undefined;
      },
      90_000,
    ))!;

    assert.deepEqual(done.errors, [], 'no call failed');
    assert.ok(atKill < INCREMENTS, `the kill came while calls were running (${atKill} of ${INCREMENTS} done then)`);
    assert.deepEqual(
      [...done.results].sort((a, b) => a - b),
      Array.from({ length: INCREMENTS }, (_, i) => i + 1),
      'every increment applied once: each got its own count',
    );
    assert.equal(await writer.call('Counter', counter, 'get'), INCREMENTS, 'the counter holds exactly one increment per call');
    assert.deepEqual(done.messages, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every message once, in order');
    assert.equal(done.state, 'open');
    assert.equal(done.url, `${survivor.url.replace(/^http/, 'ws')}/ws`, 'the page is on the survivor');
    const states = done.states.map(([state]) => state);
    assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open'], 'one failover');
    assert.equal(pageErrors.filter((e) => !/WebSocket connection to .* failed/.test(e)).length, 0, pageErrors.join('\n'));
  });
});
