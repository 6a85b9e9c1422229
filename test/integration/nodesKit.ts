import { strict as assert } from 'node:assert';
import { ActorGridClient, HttpActorClient, type CallOptions } from '../../src/client';
import { ActorGridError } from '../../src/errors';
import type { NodeProcess } from '../support/NodeProcess';
import { waitFor } from '../support/waitFor';

/** One way to call an actor: a node, a transport and an encoding. */
export interface Caller {
  /** e.g. `node1 ws/msgpack` */
  readonly label: string;
  /** Index of the node in the test's node list. */
  readonly node: number;
  call<R = unknown>(type: string, id: string, method: string, args?: unknown[], options?: CallOptions): Promise<R>;
}

/**
 * The clients of a set of nodes: per node, HTTP and WebSocket, each in JSON and msgpack. `pick(i)`
 * spreads calls: even i over HTTP, odd over WebSocket, node i % nodes, alternating encodings.
 */
export class Callers {
  readonly http: HttpActorClient[][] = [];
  readonly ws: ActorGridClient[][] = [];

  private constructor(readonly nodes: readonly NodeProcess[]) {}

  static async connect(nodes: readonly NodeProcess[]): Promise<Callers> {
    const callers = new Callers(nodes);
    for (const node of nodes) {
      callers.http.push([new HttpActorClient(node.url), new HttpActorClient(node.url, { encoding: 'msgpack' })]);
      // reconnect: false: these tests watch the nodes, so a client stays on its node and fails with it.
      callers.ws.push([new ActorGridClient(node.url, { reconnect: false }), new ActorGridClient(node.url, { encoding: 'msgpack', reconnect: false })]);
    }
    await Promise.all(callers.ws.flat().map((c) => c.connect()));
    return callers;
  }

  /** A caller on node `node`, over `transport`, in `encoding`. */
  on(node: number, transport: 'http' | 'ws', encoding: 'json' | 'msgpack' = 'json'): Caller {
    const client = (transport === 'http' ? this.http : this.ws)[node][encoding === 'json' ? 0 : 1];
    return {
      label: `node${node} ${transport}/${encoding}`,
      node,
      call: (type, id, method, args, options) => client.call(type, id, method, args, options),
    };
  }

  /** Caller number `i` of an even spread over nodes × transports × encodings. */
  pick(i: number): Caller {
    const n = this.nodes.length;
    const transport = i % 2 === 0 ? 'http' : 'ws';
    const encoding = Math.floor(i / (2 * n)) % 2 === 0 ? 'json' : 'msgpack';
    return this.on(i % n, transport, encoding);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.ws.flat().map((c) => c.close()));
  }
}

/** How one call of a load ended. */
export type Outcome<T> = { ok: true; value: T; at: number } | { ok: false; error: unknown; at: number };

/**
 * Runs `count` tasks, at most `concurrency` at a time, and resolves with every outcome by index
 * (never rejects). `onSettled` sees each outcome as it happens, for tests that act mid-load.
 */
export async function runLoad<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
  onSettled?: (i: number, outcome: Outcome<T>) => void,
): Promise<Outcome<T>[]> {
  const outcomes = new Array<Outcome<T>>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      try {
        outcomes[i] = { ok: true, value: await task(i), at: Date.now() };
      } catch (error) {
        outcomes[i] = { ok: false, error, at: Date.now() };
      }
      onSettled?.(i, outcomes[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return outcomes;
}

/** `"UNAVAILABLE×3, LOCK_TIMEOUT×1"`: the failures of a load, by code, for assertion messages. */
export function failureSummary(outcomes: readonly Outcome<unknown>[]): string {
  const counts = new Map<string, number>();
  const examples = new Map<string, string>();
  for (const o of outcomes) {
    if (o.ok) continue;
    const code = o.error instanceof ActorGridError ? o.error.code : 'NOT_CODED';
    counts.set(code, (counts.get(code) ?? 0) + 1);
    if (!examples.has(code)) examples.set(code, o.error instanceof Error ? o.error.message : String(o.error));
  }
  return [...counts].map(([code, n]) => `${code}×${n} (e.g. ${examples.get(code)})`).join('; ');
}

/** The coded error a promise rejects with; fails the test if it resolves or rejects uncoded. */
export async function rejection(promise: Promise<unknown>): Promise<ActorGridError> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    assert.ok(err instanceof ActorGridError, `expected an ActorGridError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected the call to fail, it returned ${JSON.stringify(value)}`);
}

/** `[1, 2, …, n]`. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Numbers sorted ascending (a copy). */
export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** A raw HTTP exchange for bad-input tests: status, content type and the body parsed as JSON (if it is). */
export async function rawPost(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

/** `GET /cluster` of a node: the ids of the app nodes it lists. */
export async function clusterNodeIds(node: NodeProcess): Promise<string[]> {
  const response = await fetch(`${node.url}/cluster`);
  assert.equal(response.status, 200, `GET /cluster answered ${response.status}`);
  const body = (await response.json()) as { nodes: Array<{ id: string }> };
  return body.nodes.map((n) => n.id).sort();
}

/**
 * Waits until every node reports, in a registry heartbeat made after this call began, that it has
 * no call in flight (`load` 0 in `GET /cluster`): calls a client gave up on may still be running
 * on a node. Resolves false if that does not happen within `timeoutMs`.
 */
export async function waitForIdle(nodes: readonly NodeProcess[], timeoutMs: number): Promise<boolean> {
  const since = Date.now();
  const idle = async (node: NodeProcess): Promise<boolean> => {
    const response = await fetch(`${node.url}/cluster`);
    const body = (await response.json()) as { nodes: Array<{ id: string; load: number; heartbeatAt: number }> };
    const self = body.nodes.find((n) => n.id === node.id);
    return self !== undefined && self.heartbeatAt > since && self.load === 0;
  };
  return waitFor('the nodes to finish their calls', async () => (await Promise.all(nodes.map(idle))).every(Boolean), timeoutMs, 250).catch(() => false);
}
