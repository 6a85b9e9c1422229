/**
 * Summarizes V8 .cpuprofile files (from `npm run bench -- --cpu-prof`), merged: self time by area
 * (npm package, node core module, actorgrid source folder, GC) and the hottest functions, as shares
 * of the busy (non-idle) time; with `--callers NAME`, the call paths into a function.
 *
 *   node dist/bench/profileSummary.js bench/results/profiles/a-round*.cpuprofile [--top 30]
 *   node dist/bench/profileSummary.js bench/results/profiles/a-*.cpuprofile --callers writeBuffer
 *
 * "by layer" charges every sample to the first frame, walking up from the leaf, that belongs to a
 * layer of the node (e.g. a socket write made by the Hazelcast client counts as grid client).
 *
 * Note: the profiler samples wall-clock time of the main thread; time the process spent descheduled
 * inside a syscall (e.g. a socket write that woke the Hazelcast member on a busy 2-core machine)
 * counts toward that syscall.
 */
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url;
  const own = /\/dist\/(src\/[^/]+|actors|bench)\//.exec(url);
  if (own) return own[1];
  return url.replace(/^file:\/\//, '');
}

/** Layers of a node's call path, matched against the frames' URLs; first match from the leaf wins. */
const LAYERS: Array<[RegExp, string]> = [
  [/node:internal\/async_hooks|node:async_hooks/, 'AsyncLocalStorage (async_hooks)'],
  [/hazelcast-client|\/src\/grid\//, 'grid: hazelcast-client + adapter (incl. its socket writes)'],
  [/\/ws\/lib\/|\/src\/transport\/ws\//, 'WebSocket: ws + transport (incl. its socket writes)'],
  [/\/(fastify|find-my-way|light-my-request|avvio)\/|\/src\/transport\/http\//, 'HTTP: fastify + transport'],
  [/JsonCodec|MsgpackCodec|encodeReply/, 'JSON-RPC codec (JSON.parse/stringify)'],
  [/NotificationFrame/, 'push frames (NotificationFrame)'],
  [/\/src\/protocol\//, 'protocol: dispatcher, params, request'],
  [/\/src\/push\/|\/src\/destinations\//, 'push core + destinations: feed, subscriptions'],
  [/msgpackr|StateCodec/, 'state codec (msgpackr)'],
  [/\/src\/runtime\/|\/src\/actor\/|tsyringe|\/dist\/actors\//, 'runtime: invoker, turn, context, actor'],
];

function layerOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const leaf = byId.get(id)!.callFrame.functionName;
  if (leaf === '(garbage collector)') return 'GC';
  if (leaf === '(program)') return '(program)';
  for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
    const url = byId.get(p)!.callFrame.url;
    for (const [re, name] of LAYERS) if (re.test(url)) return name;
  }
  return 'other: event loop, node internals';
}

const frame = (n: ProfileNode): string => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'}${url ? ` ${url.replace(/^.*\/(node_modules|dist)\//, '').replace(/^node:internal\//, 'node:')}:${lineNumber + 1}` : ''}`;
};

/** Self time per profile node, µs. */
function selfTimes(profile: Profile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  return self;
}

export function summarizeProfiles(files: string[], top = 30, callersOf?: string, depth = 8): string {
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  const paths = new Map<string, number>();
  const layers = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (const [id, us] of selfTimes(profile)) {
      const node = byId.get(id)!;
      const { functionName, url } = node.callFrame;
      if (functionName === '(idle)') {
        idle += us;
        continue;
      }
      busy += us;
      const a = area(url, functionName);
      areas.set(a, (areas.get(a) ?? 0) + us);
      fns.set(frame(node), (fns.get(frame(node)) ?? 0) + us);
      const layer = layerOf(id, byId, parent);
      layers.set(layer, (layers.get(layer) ?? 0) + us);
      if (callersOf !== undefined && functionName === callersOf) {
        const chain: string[] = [];
        for (let p = parent.get(id), i = 0; p !== undefined && i < depth; p = parent.get(p), i++) chain.push(frame(byId.get(p)!));
        const key = chain.join('\n        < ');
        paths.set(key, (paths.get(key) ?? 0) + us);
      }
    }
  }
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((x, y) => y[1] - x[1]);
  const lines = [`${files.length} profile(s): busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`, '', 'by layer:'];
  for (const [l, us] of sorted(layers)) lines.push(`  ${pct(us)}  ${l}`);
  lines.push('', 'self time by area:');
  for (const [a, us] of sorted(areas).slice(0, 25)) lines.push(`  ${pct(us)}  ${a}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [f, us] of sorted(fns).slice(0, top)) lines.push(`  ${pct(us)}  ${f}`);
  if (callersOf !== undefined) {
    lines.push('', `call paths into ${callersOf}:`);
    for (const [p, us] of sorted(paths).slice(0, 10)) lines.push(`  ${pct(us)}  ${p}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const top = Number(option('--top') ?? 30);
  const callers = option('--callers');
  if (args.length === 0) {
    process.stderr.write('usage: node dist/bench/profileSummary.js FILE.cpuprofile... [--top N] [--callers FUNCTION]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfiles(args, top, callers)}\n`);
}
