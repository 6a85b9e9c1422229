#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ActorGridNode } from './ActorGridNode';
import { loadConfig, type Config, type DeepPartial } from './config';
import { ConfigError } from './errors';

const USAGE = `usage: actorgrid start [options]

Starts an actorgrid node. Every option can also be set in the config file or by environment
variables (ACTORGRID_NODE_PORT, ACTORGRID_GRID_MEMBERS, ...: see docs/config.md).

options:
  --port N               HTTP/WebSocket port; 0 picks a free one           (node.port, default 8080)
  --host ADDR            address to listen on                              (node.host, default 127.0.0.1)
  --grid memory|hazelcast  embedded single-node grid, or a Hazelcast cluster (grid.kind, default memory)
  --members A,B          Hazelcast members host:port (implies --grid hazelcast) (grid.members)
  --cluster-name NAME    Hazelcast cluster name                            (grid.clusterName, default actorgrid)
  --actors DIR           folder of compiled actor classes                  (node.actors, default dist/actors)
  --config FILE          config file                                       (default config/default.json)
  --log-level LEVEL      debug|info|warn|error|silent                      (log.level, default info)
  -h, --help             this text

On start the node prints one line "listening on http://HOST:PORT" on stdout; logs go to stderr.
SIGTERM or SIGINT drains the node (in-flight calls finish, locks are released) and exits 0.`;

function overridesFrom(values: Record<string, string | boolean | undefined>): DeepPartial<Config> {
  const node: Record<string, unknown> = {};
  const grid: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  if (values.port !== undefined) node.port = Number(values.port);
  if (values.host !== undefined) node.host = values.host;
  if (values.actors !== undefined) node.actors = values.actors;
  if (values.grid !== undefined) grid.kind = values.grid;
  if (values.members !== undefined) {
    grid.members = String(values.members).split(',').map((m) => m.trim()).filter(Boolean);
    grid.kind ??= 'hazelcast';
  }
  if (values['cluster-name'] !== undefined) {
    grid.clusterName = values['cluster-name'];
    grid.kind ??= 'hazelcast';
  }
  if (Object.keys(node).length) out.node = node;
  if (Object.keys(grid).length) out.grid = grid;
  if (values['log-level'] !== undefined) out.log = { level: values['log-level'] };
  return out as DeepPartial<Config>;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        grid: { type: 'string' },
        members: { type: 'string' },
        'cluster-name': { type: 'string' },
        actors: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`actorgrid: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'start') {
    process.stderr.write(`actorgrid: expected the command "start"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.port !== undefined && !/^\d+$/.test(values.port)) {
    process.stderr.write(`actorgrid: --port must be a whole number, got "${values.port}"\n`);
    return 2;
  }

  let config: Config;
  try {
    config = loadConfig({ file: values.config, overrides: overridesFrom(values) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`actorgrid: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const node = await ActorGridNode.start({ config });
  process.stdout.write(`listening on ${node.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      node.log.info(`${signal} received`);
      node.stop().then(resolve, (err: unknown) => {
        node.log.error('stop failed', { err });
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`actorgrid: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
