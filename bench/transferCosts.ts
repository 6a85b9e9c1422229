/**
 * What a transfer run cost the nodes, per completed transfer: grid operations (gridOpCounter, through
 * each node's child agent) and, from each node's `/metrics`, turns, calls per turn, lock wait, and
 * nested calls that met a busy actor (`LOCK_TIMEOUT` outcomes: each one a back-off of its caller).
 * Summed over the nodes; a snapshot before and after a run, then `perTransfer`.
 */
import { diffCounts, type GridOpCounts } from './gridOpCounter';
import type { ServerProcess } from './ServerProcess';
import { fmt } from './stats';

export type CostSnapshot = Record<string, number>;

/** The Prometheus series a transfer run reads (Account's only), by the name this file gives them. */
const SERIES: Record<string, string> = {
  actorgrid_turn_batch_size_count: 'turns',
  actorgrid_turn_batch_size_sum: 'turnCalls',
  actorgrid_lock_wait_seconds_count: 'lockWaits',
  actorgrid_lock_wait_seconds_sum: 'lockWaitS',
};

async function scrape(node: ServerProcess): Promise<CostSnapshot> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const out: CostSnapshot = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !m[2].includes('type="Account"')) continue;
    const name = SERIES[m[1]];
    if (name) out[name] = (out[name] ?? 0) + Number(m[3]);
    // A nested call that met its target busy: its caller backs off (and pins next time).
    else if (m[1] === 'actorgrid_actor_calls_total' && m[2].includes('outcome="LOCK_TIMEOUT"')) out.busyCalls = (out.busyCalls ?? 0) + Number(m[3]);
    else if (m[1] === 'actorgrid_turn_events_total') {
      const event = /event="(\w+)"/.exec(m[2])?.[1];
      if (event) out[event] = (out[event] ?? 0) + Number(m[3]);
    }
  }
  return out;
}

/** Grid operation counts and turn metrics of all `nodes`, summed. */
export async function costSnapshot(nodes: ServerProcess[]): Promise<CostSnapshot> {
  const sum: CostSnapshot = {};
  const add = (c: GridOpCounts | CostSnapshot): void => {
    for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
  };
  for (const c of await Promise.all(nodes.map((n) => n.counts()))) add(c);
  for (const c of await Promise.all(nodes.map(scrape))) add(c);
  return sum;
}

/** Counted in all, not per transfer: rare events, each of which can stall an actor for a while. */
const TOTALS = new Set(['busyCalls', 'backoff', 'pin']);

/** `after - before` divided by `transfers` (TOTALS as they are, named `…(n)`); lock wait in ms per wait. */
export function perTransfer(before: CostSnapshot, after: CostSnapshot, transfers: number): CostSnapshot {
  const d = diffCounts(before, after);
  const out: CostSnapshot = {};
  for (const [k, v] of Object.entries(d)) {
    if (TOTALS.has(k)) out[`${k}(n)`] = v;
    else if (k !== 'lockWaitS' && k !== 'turnCalls') out[k] = v / Math.max(1, transfers);
  }
  if (d.turns) out.callsPerTurn = (d.turnCalls ?? 0) / d.turns;
  if (d.lockWaits) out.lockWaitMs = ((d.lockWaitS ?? 0) * 1000) / d.lockWaits;
  delete out.lockWaits;
  return out;
}

const ORDER = ['tryLock', 'get', 'replaceIfSame', 'unlock', 'writes', 'reads', 'turns', 'callsPerTurn', 'lockWaitMs'];

export function costText(c: CostSnapshot | undefined): string {
  if (!c) return '';
  const keys = Object.keys(c).sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return keys.map((k) => `${k} ${fmt(c[k])}`).join(', ');
}
