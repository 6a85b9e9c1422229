import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HazelcastHarness } from '../scripts/harness/HazelcastHarness';
import { ensureHazelcastJar, HAZELCAST_VERSION, javaMajorVersion } from '../scripts/harness/HazelcastJar';
import { isRunning, MEMBER_MAIN_CLASS, reapOrphanedMembers } from '../scripts/harness/memberPids';
import { DEV_PORT_RANGE } from '../scripts/harness/ports';
import { projectRoot } from '../scripts/harness/projectRoot';
import { sharedCluster } from './support/cluster';

const ADDRESS = /^127\.0\.0\.1:(\d+)$/;

function portOf(address: string): number {
  const match = ADDRESS.exec(address);
  assert.ok(match, `not a loopback address: ${address}`);
  return Number(match[1]);
}

describe('HazelcastHarness', () => {
  describe('shared cluster', () => {
    it('lists two loopback members that see each other, outside the dev cluster ports', async () => {
      const grid = sharedCluster();
      assert.match(grid.clusterName, /^actorgrid-test-[0-9a-f]+$/);
      assert.equal(grid.memberCount, 2);
      const ports = grid.addresses().map(portOf);
      assert.deepEqual(ports, [grid.basePort, grid.basePort + 1]);
      for (const port of ports) assert.ok(port < DEV_PORT_RANGE.first || port > DEV_PORT_RANGE.last, `dev port ${port}`);
      const health = await grid.health();
      assert.deepEqual(
        health.map((h) => [h?.nodeState, h?.clusterSize]),
        [['ACTIVE', 2], ['ACTIVE', 2]],
      );
    });

    it('kills a member and restarts it on the same port', async function () {
      this.timeout(180_000);
      const grid = sharedCluster();
      const before = grid.addresses();
      const killedPid = grid.runningMembers()[1].pid;

      await grid.killMember(1);
      assert.equal(isRunning(killedPid), false);
      assert.deepEqual(grid.addresses(), [before[0]]);
      await grid.waitForClusterSize(1, 60_000);

      await grid.restartMember(1);
      assert.deepEqual(grid.addresses(), before);
      assert.notEqual(grid.runningMembers()[1].pid, killedPid);
      await grid.waitForClusterSize(2, 1_000); // restartMember already waited for it
      await grid.waitForClusterSafe(60_000); // leave it as later tests expect it
    });

    it('refuses a base port that is in use', async () => {
      const taken = new HazelcastHarness({ members: 1, basePort: sharedCluster().basePort });
      await assert.rejects(taken.start(), /already in use/);
    });
  });

  describe('private cluster', () => {
    it('forms its own cluster, adds a member, stops one gracefully, then stops idempotently', async function () {
      this.timeout(240_000);
      const grid = new HazelcastHarness({ members: 1 });
      try {
        await grid.start();
        assert.equal(grid.memberCount, 1);
        assert.notEqual(grid.clusterName, sharedCluster().clusterName);
        // Not merged with the shared cluster: it sees itself only.
        assert.equal((await grid.health())[0]?.clusterSize, 1);

        assert.equal(await grid.startMember(), 1);
        assert.equal(grid.memberCount, 2);
        await grid.waitForClusterSize(2, 1_000);

        await grid.stopMember(1);
        await grid.waitForClusterSize(1, 30_000);
        const pids = grid.runningMembers().map((m) => m.pid);

        await grid.stop();
        await grid.stop();
        assert.equal(grid.memberCount, 0);
        assert.deepEqual(pids.filter(isRunning), []);
      } finally {
        await grid.stop();
      }
    });
  });
});

describe('ensureHazelcastJar', () => {
  it('returns the absolute path of the pinned jar, which exists', async () => {
    const jar = await ensureHazelcastJar();
    assert.ok(path.isAbsolute(jar));
    assert.equal(path.basename(jar), `hazelcast-${HAZELCAST_VERSION}.jar`);
    assert.ok(fs.statSync(jar).size > 1_000_000);
  });

  it('reads Java major versions', () => {
    assert.equal(javaMajorVersion('openjdk version "17.0.15" 2025-04-15'), 17);
    assert.equal(javaMajorVersion('java version "1.8.0_392"'), 8);
    assert.equal(javaMajorVersion('nonsense'), undefined);
  });
});

describe('config/hazelcast.yaml', () => {
  // Members start with schema validation off (it slows their start); this loads the file with
  // it on, so a misspelt key fails here.
  it('passes schema validation, takes settings from system properties, resolves ringbuffer tiers unambiguously', async function () {
    this.timeout(60_000);
    const root = projectRoot();
    const items = [
      'ringbuffer:dest.orders.cap16',
      'ringbuffer:dest.orders.cap1000',
      'ringbuffer:dest.orders.cap10000',
      'ringbuffer:dest.orders.cap100000',
      'ringbuffer:dest.a.cap16.cap1000', // a destination whose own name ends like a tier
      'ringbuffer:dest.a.cap100000.cap16',
      'ringbuffer:dest.untiered',
      'map:actor.Counter',
      'map:data.users',
      'map:nodes',
      'map:anything',
    ];
    const stdout = await new Promise<string>((resolve, reject) => {
      const args = [
        '-cp',
        path.join(root, '.cache', 'hazelcast', `hazelcast-${HAZELCAST_VERSION}.jar`),
        path.join(root, 'test', 'support', 'HazelcastConfigCheck.java'),
        path.join(root, 'config', 'hazelcast.yaml'),
        'check-cluster',
        '31000',
        '127.0.0.1:31000,127.0.0.1:31001',
        ...items,
      ];
      execFile('java', args, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
    });
    const config = JSON.parse(stdout.trim().split('\n').pop() as string);

    assert.equal(config.clusterName, 'check-cluster');
    assert.equal(config.port, 31000);
    assert.equal(config.portAutoIncrement, false);
    assert.deepEqual(config.tcpIpMembers, ['127.0.0.1:31000', '127.0.0.1:31001']);
    assert.equal(config.multicast, false);
    assert.equal(config.autoDetection, false);
    assert.equal(config.properties['hazelcast.phone.home.enabled'], 'false');
    assert.equal(config.properties['hazelcast.wait.seconds.before.join'], '1');

    const ringbuffer = (name: string) => config.items[`ringbuffer:${name}`];
    for (const capacity of [16, 1000, 10000, 100000]) {
      assert.deepEqual(ringbuffer(`dest.orders.cap${capacity}`), {
        pattern: `*.cap${capacity}`,
        capacity,
        backupCount: 1,
        timeToLiveSeconds: 0,
      });
    }
    assert.equal(ringbuffer('dest.a.cap16.cap1000').capacity, 1000);
    assert.equal(ringbuffer('dest.a.cap100000.cap16').capacity, 16);
    assert.equal(ringbuffer('dest.untiered').capacity, 10000); // no tier: Hazelcast's default

    // A name no pattern matches gets a copy of the default config, named after itself.
    for (const [map, pattern] of [['actor.Counter', 'actor.*'], ['data.users', 'data.*'], ['nodes', 'nodes'], ['anything', 'anything']]) {
      assert.deepEqual(config.items[`map:${map}`], { pattern, backupCount: 1 });
    }
  });
});

describe('config/hazelcast-persistence.yaml, config/hazelcast-docker-persistence.yaml', () => {
  for (const [file, base] of [['hazelcast-persistence.yaml', 'hazelcast.yaml'], ['hazelcast-docker-persistence.yaml', 'hazelcast-docker.yaml']]) {
    it(`${file} is config/${base} plus a PostgreSQL map-store on actor.* and data.* only, and passes schema validation`, async function () {
      this.timeout(60_000);
      const root = projectRoot();
      const items = ['map:actor.Counter', 'map:data.users', 'map:nodes', 'ringbuffer:dest.orders.cap16'];
      const stdout = await new Promise<string>((resolve, reject) => {
        const args = [
          '-cp',
          path.join(root, '.cache', 'hazelcast', `hazelcast-${HAZELCAST_VERSION}.jar`),
          path.join(root, 'test', 'support', 'HazelcastConfigCheck.java'),
          path.join(root, 'config', file),
          'check-persisted',
          '31000',
          '127.0.0.1:31000',
          ...items,
        ];
        execFile('java', args, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
      });
      const config = JSON.parse(stdout.trim().split('\n').pop() as string);
      // Imported from the base file.
      assert.equal(config.clusterName, 'check-persisted');
      assert.deepEqual(config.tcpIpMembers, ['127.0.0.1:31000']);
      assert.equal(config.items['ringbuffer:dest.orders.cap16'].capacity, 16);
      // Merged: the base's backup count, this file's map-store (write-behind window from the system property).
      const store = { className: 'io.actorgrid.mapstore.GridMapStore', writeDelaySeconds: 7, initialLoadMode: 'LAZY' };
      assert.deepEqual(config.items['map:actor.Counter'], { pattern: 'actor.*', backupCount: 1, mapStore: store });
      assert.deepEqual(config.items['map:data.users'], { pattern: 'data.*', backupCount: 1, mapStore: store });
      assert.deepEqual(config.items['map:nodes'], { pattern: 'nodes', backupCount: 1 }, 'the node registry is not persisted');
    });
  }
});

describe('reapOrphanedMembers', () => {
  it('kills members whose owner died, but only processes that are members of the recorded cluster', async () => {
    const gridDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actorgrid-reap-'));
    const fake = (cluster: string) =>
      spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', MEMBER_MAIN_CLASS, `-Dactorgrid.cluster.name=${cluster}`], {
        stdio: 'ignore',
      });
    const orphan = fake('orphaned');
    const otherCluster = fake('someone-else');
    const ownedByLiveProcess = fake('alive-owner');
    const children = [orphan, otherCluster, ownedByLiveProcess];
    try {
      await Promise.all(children.map((child) => new Promise((resolve) => child.once('spawn', resolve))));
      const deadOwner = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => deadOwner.once('exit', resolve));
      const write = (name: string, ownerPid: number, clusterName: string, pids: number[]) =>
        fs.writeFileSync(path.join(gridDir, 'harness', `${name}.json`), JSON.stringify({ ownerPid, clusterName, pids }));
      fs.mkdirSync(path.join(gridDir, 'harness'));
      write('orphaned', deadOwner.pid as number, 'orphaned', [orphan.pid as number, otherCluster.pid as number]);
      write('alive-owner', process.pid, 'alive-owner', [ownedByLiveProcess.pid as number]);

      const exited = new Promise((resolve) => orphan.once('exit', resolve));
      assert.deepEqual(reapOrphanedMembers(gridDir), [orphan.pid]);
      await exited;
      assert.equal(otherCluster.exitCode, null);
      assert.equal(ownedByLiveProcess.exitCode, null);
      assert.deepEqual(fs.readdirSync(path.join(gridDir, 'harness')), ['alive-owner.json']);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      fs.rmSync(gridDir, { recursive: true, force: true });
    }
  });
});
