import { strict as assert } from 'node:assert';
import { ActorGridClient } from '../../src/client';
import { HazelcastGrid } from '../../src/grid';
import { ReminderIndex } from '../../src/reminders/ReminderIndex';
import { sharedCluster } from '../support/cluster';
import { NodeGroup, type NodeProcess } from '../support/NodeProcess';
import { uniqueName, waitFor } from '../support/waitFor';

interface SessionInfo {
  user: string | null;
  expiresAt: number;
  expirations: number;
  reminders: unknown[];
}

/** Nodes look for due reminders every 100 ms; a dead node's claims run out after 3 s. */
const FAST = { ACTORGRID_REMINDERS_POLL_MS: '100', ACTORGRID_REMINDERS_CLAIM_MS: '3000' };
const SESSIONS = 1000;

/**
 * Durable reminders with real node processes on the shared Hazelcast cluster, through the example
 * `Session` actor (actors/Session.ts), which expires itself with a reminder and counts how often it
 * expired: 1,000 reminders due within the same second across 3 nodes each fire exactly once; the
 * same while a firing node is SIGKILLed (what it had claimed fires elsewhere, still once); and after
 * every node was stopped and new ones started (the members stay), nothing is lost.
 */
describe('Reminders: real node processes, real Hazelcast', function () {
  this.timeout(240000);
  const group = new NodeGroup();
  const clients: ActorGridClient[] = [];
  let inspect: HazelcastGrid;
  const grid = () => ({ clusterName: sharedCluster().clusterName, members: sharedCluster().addresses() });

  before(async function () {
    inspect = await HazelcastGrid.connect(grid());
  });
  // Each test has nodes of its own: none of an earlier test fires its reminders.
  afterEach(async function () {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await group.stopAll();
  });
  after(async function () {
    await inspect?.shutdown();
  });

  async function connect(nodes: NodeProcess[]): Promise<ActorGridClient[]> {
    const cs = nodes.map((n) => new ActorGridClient(n.url, { reconnect: false }));
    await Promise.all(cs.map((c) => c.connect()));
    clients.push(...cs);
    return cs;
  }

  /** Opens `n` sessions over `via` (round robin) that all expire at `at`; returns their ids. */
  async function openSessions(via: ActorGridClient[], n: number, at: number): Promise<string[]> {
    const prefix = uniqueName('s');
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    for (let i = 0; i < n; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id, j) => via[(i + j) % via.length].call('Session', id, 'open', ['ada', Math.max(1, at - Date.now())])));
    }
    return ids;
  }

  /** Waits until no session has a reminder left (none can fire again), then checks each expired exactly once. */
  async function expectEachExpiredOnce(via: ActorGridClient, ids: string[]): Promise<void> {
    let left = ids;
    await waitFor(`${ids.length} sessions to expire`, async () => {
      const infos = await Promise.all(left.map((id) => via.call<SessionInfo>('Session', id, 'info')));
      left = left.filter((_, i) => infos[i].reminders.length > 0);
      return left.length === 0;
    }, 120000, 200);
    const infos = await Promise.all(ids.map((id) => via.call<SessionInfo>('Session', id, 'info')));
    const wrong = infos.map((info, i) => [ids[i], info] as const).filter(([, info]) => info.expirations !== 1 || info.user !== null);
    assert.deepEqual(wrong, [], `sessions not expired exactly once: ${wrong.length}`);
  }

  it(`${SESSIONS} reminders due within the same second across 3 nodes each fire exactly once`, async function () {
    const nodes = await group.startMany(3, { grid: grid(), logLevel: 'warn', env: FAST });
    const cs = await connect(nodes);
    const ids = await openSessions(cs, SESSIONS, Date.now() + 3000);
    await expectEachExpiredOnce(cs[0], ids);
    // Every node took part, and counted what it fired.
    const fired = await Promise.all(nodes.map(async (n) => firedCount(await (await fetch(`${n.url}/metrics`)).text())));
    assert.equal(fired.reduce((a, b) => a + b, 0), SESSIONS, `fired per node: ${fired.join(', ')}`);
    assert.ok(fired.filter((f) => f > 0).length >= 2, `fired per node: ${fired.join(', ')}`);
  });

  it('SIGKILL of a node while it fires: what it had claimed fires elsewhere, each once', async function () {
    const nodes = await group.startMany(3, { grid: grid(), logLevel: 'warn', env: FAST });
    const cs = await connect(nodes);
    const ids = await openSessions(cs, SESSIONS, Date.now() + 3000);
    const index = new ReminderIndex(inspect);
    // Kill the first node as soon as firing is under way (some sessions have expired, most have not).
    await waitFor('firing to start', async () => (await cs[1].call<SessionInfo>('Session', ids[0], 'info')).expirations > 0 || (await index.entry('Session', ids[0], 'expire')) === undefined, 30000, 10);
    await nodes[0].kill();
    await expectEachExpiredOnce(cs[1], ids);
  });

  it('a full restart of the nodes (the members stay) loses no reminder', async function () {
    const first = await group.startMany(2, { grid: grid(), logLevel: 'warn', env: FAST });
    const cs = await connect(first);
    const ids = await openSessions(cs, 200, Date.now() + 60000);
    const moved = ids.slice(0, 100);
    // Bring half of them close (a replaced reminder), then stop every node before any is due.
    await Promise.all(moved.map((id, i) => cs[i % 2].call('Session', id, 'touch', [4000])));
    await Promise.all(first.map((n) => n.kill()));
    const second = await group.startMany(2, { grid: grid(), logLevel: 'warn', env: FAST });
    const [c] = await connect(second);
    await expectEachExpiredOnce(c, moved);
    const later = await Promise.all(ids.slice(100).map((id) => c.call<SessionInfo>('Session', id, 'info')));
    assert.ok(later.every((s) => s.expirations === 0 && s.reminders.length === 1), 'the others are still pending');
    await Promise.all(ids.slice(100).map((id) => c.call('Session', id, 'close')));
  });
});

function firedCount(metrics: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    const m = /^actorgrid_reminders_total\{[^}]*type="Session"[^}]*event="fired"[^}]*\} (\d+)/.exec(line) ?? /^actorgrid_reminders_total\{[^}]*event="fired"[^}]*type="Session"[^}]*\} (\d+)/.exec(line);
    if (m) total += Number(m[1]);
  }
  return total;
}
