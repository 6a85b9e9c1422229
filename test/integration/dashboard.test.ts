import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ActorGridNode } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig, type Config, type DeepPartial } from '../../src/config';
import { MemoryGrid, MemoryGridStore } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { Counter } from '../../actors/Counter';
import { uniqueName, waitFor } from '../support/waitFor';

/** The page's document, inside `page.evaluate` callbacks (they run in the browser). */
declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> & Iterable<{ textContent: string | null }> };

const CHROMIUM = process.env.ACTORGRID_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(__dirname, '..', '..', '..', 'test-output', 'dashboard.png');

/**
 * GET /dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core): the
 * page shows both nodes of a cluster, and its numbers move as calls are made through either node —
 * calls per second per actor type, the busiest actor, destinations with subscribers, recent errors.
 * A screenshot is kept under test-output/. With auth on, the page needs the role `ops`.
 */
describe('the dashboard in Chromium', function () {
  this.timeout(90_000);
  const nodes: ActorGridNode[] = [];
  const clients: ActorGridClient[] = [];
  let browser: Browser | undefined;
  const start = async (id: string, store: MemoryGridStore, extra: DeepPartial<Config> = {}): Promise<ActorGridNode> => {
    const config = loadConfig({ env: {}, overrides: { node: { id, port: 0 }, log: { level: 'silent' }, destinations: { names: ['news'] }, ...extra } });
    const node = await ActorGridNode.start({ config, actors: [Counter], grid: new MemoryGrid(store), logger: new Logger('silent') });
    nodes.push(node);
    return node;
  };

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium (or set ACTORGRID_CHROMIUM); the dashboard test does not skip`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async function () {
    await browser?.close();
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(nodes.map((n) => n.stop()));
  });

  it('shows the cluster live, and its numbers move with the calls', async function () {
    const store = new MemoryGridStore();
    const a = await start('dash-a', store);
    const b = await start('dash-b', store);
    const onB = new ActorGridClient(b.url, { discover: false });
    clients.push(onB);
    await onB.connect();
    await onB.destination('news').subscribe(() => undefined);
    const hot = uniqueName('hot');

    const page = await browser!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.goto(`${a.url}/dashboard`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
    await page.waitForFunction(() => document.querySelectorAll('#nodes tr').length === 2, undefined, { timeout: 15_000 });

    const rateOf = () => page.evaluate(() => Number(document.querySelector('#calls tr[data-type="Counter"] td:nth-child(2)')?.textContent ?? '0'));
    assert.equal(await rateOf(), 0, 'no calls yet');
    for (let i = 0; i < 40; i++) await onB.call('Counter', hot, 'increment');
    await onB.call('Counter', hot, 'increment', ['not a number']).catch(() => undefined);
    await page.waitForFunction(() => Number(document.querySelector('#calls tr[data-type="Counter"] td:nth-child(2)')?.textContent ?? '0') > 0, undefined, { timeout: 15_000 });
    const first = await rateOf();
    for (let i = 0; i < 200; i++) await onB.call('Counter', hot, 'increment');
    await waitFor('the rate went up', async () => (await rateOf()) > first, 15_000);

    const busiest = await page.evaluate(() => document.querySelector('#busiest tr td')?.textContent);
    assert.equal(busiest, `Counter/${hot}`, 'the hot actor leads the busiest list');
    const news = await page.evaluate(() => document.querySelector('#destinations tr[data-destination="news"] td:nth-child(2)')?.textContent);
    assert.equal(news, '1', 'the subscriber on the other node is counted');
    const errors = await page.evaluate(() => [...document.querySelectorAll('#errors tr')].map((r) => r.textContent ?? ''));
    assert.ok(errors.some((e) => e.includes('INVALID_ARGUMENTS') && e.includes('Counter.increment')), errors.join(' | '));
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(pageErrors, []);
  });

  it('asks for credentials with the role "ops" when auth is on', async function () {
    const key = 'ops-key-00000001';
    const node = await start('dash-auth', new MemoryGridStore(), { auth: { enabled: true, apiKeys: [`ops:${createHash('sha256').update(key).digest('hex')}:ops`] } });
    assert.equal((await fetch(`${node.url}/dashboard`)).status, 401);
    assert.equal((await fetch(`${node.url}/dashboard/events`)).status, 401);
    const page = await fetch(`${node.url}/dashboard`, { headers: { authorization: `ApiKey ${key}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /actorgrid dashboard/);
  });
});
