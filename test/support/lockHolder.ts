/**
 * A child process for failure tests: connects to the cluster given in argv, takes a lock with a long
 * lease, says `locked` on stdout and waits to be killed.
 * Usage: node lockHolder.js <clusterName> <members,comma,separated> <map> <key>
 */
import { HazelcastGrid } from '../../src/grid';

async function main(): Promise<void> {
  const [clusterName, members, map, key] = process.argv.slice(2);
  const grid = await HazelcastGrid.connect({ clusterName, members: members.split(',') });
  await grid.map(map).lock(key, 10 * 60 * 1000);
  process.stdout.write('locked\n');
  setInterval(() => undefined, 1 << 30);
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
