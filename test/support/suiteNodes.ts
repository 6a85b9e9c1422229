import { ActorGridNode, type NodeOptions } from '../../src/ActorGridNode';
import { ActorGridClient } from '../../src/client';
import { loadConfig, type Config, type DeepPartial } from '../../src/config';
import type { Grid } from '../../src/grid';
import { Logger } from '../../src/runtime/Logger';
import { uniqueName } from './waitFor';

/** How a suite run gets its nodes' grid: a shared memory store, or the real cluster. */
export interface GridSetup {
  name: string;
  config(): DeepPartial<Config>;
  grid?(): Grid;
}

/** What every node of a suite serves, and how its clients record what they are pushed. */
export interface SuiteNodesOptions<I> {
  /** Config sections every node gets; a node's own `extra` is merged over them section by section. */
  defaults: DeepPartial<Config>;
  /** Actor, destination and shared-object classes. */
  classes: Pick<NodeOptions, 'actors' | 'destinations' | 'sharedObjects'>;
  /** Records one client's notifications (e.g. an Inbox). */
  inbox: (client: ActorGridClient) => I;
}

/**
 * The in-process nodes (port 0, silent) and WebSocket clients of one suite, all on the grid that
 * `setup` gives. `close()` ends every client and node: call it in `after`, so that it runs even when a
 * test failed.
 */
export class SuiteNodes<I> {
  private readonly nodes: ActorGridNode[] = [];
  private readonly clients: ActorGridClient[] = [];

  constructor(
    private readonly setup: () => GridSetup,
    private readonly options: SuiteNodesOptions<I>,
  ) {}

  /** The grid's name, for messages. */
  get gridName(): string {
    return this.setup().name;
  }

  /** Starts one node per id, one after the other. */
  async start(ids: readonly string[]): Promise<ActorGridNode[]> {
    const started: ActorGridNode[] = [];
    for (const id of ids) started.push(await this.node(id));
    return started;
  }

  /** Starts a node; `extra` overrides config sections of the defaults (one level deep). */
  async node(id: string, extra: DeepPartial<Config> = {}): Promise<ActorGridNode> {
    const s = this.setup();
    const sections: Record<string, unknown> = { ...this.options.defaults };
    for (const [key, value] of Object.entries(extra)) {
      const base = sections[key];
      sections[key] = isObject(base) && isObject(value) ? { ...base, ...value } : value;
    }
    const config = loadConfig({
      env: {},
      overrides: { ...s.config(), ...sections, node: { id: uniqueName(id), port: 0 }, log: { level: 'silent' } },
    });
    const n = await ActorGridNode.start({ config, ...this.options.classes, ...(s.grid ? { grid: s.grid() } : {}), logger: new Logger('silent') });
    this.nodes.push(n);
    return n;
  }

  /** A connected client of `n`, with its inbox. */
  async client(n: ActorGridNode, encoding: 'json' | 'msgpack' = 'json'): Promise<{ c: ActorGridClient; inbox: I }> {
    // reconnect: false: these tests watch the nodes, so a client stays on its node and fails with it.
    const c = new ActorGridClient(n.url, { encoding, reconnect: false });
    const inbox = this.options.inbox(c);
    await c.connect();
    this.clients.push(c);
    return { c, inbox };
  }

  /** Closes every client, then stops every node. */
  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
    await Promise.allSettled(this.nodes.map((n) => n.stop()));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
